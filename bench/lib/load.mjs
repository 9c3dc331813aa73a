import autocannon from 'autocannon';

import { percentile } from './stats.mjs';

const SEGMENT_SECONDS = 2;

/**
 * Load generation with autocannon. Latencies are taken from autocannon's 'response'
 * events, which carry the time in fractions of a millisecond: its own histogram keeps
 * whole milliseconds, too coarse for responses that take 0.1 ms. Only 2xx responses count
 * towards throughput and latency; the others are counted by status.
 *
 * A target is `{ url, headers?, method?, body?, requests? }` as autocannon takes them.
 */

/** Loads one target for `durationSeconds` and returns its throughput and latencies. */
export async function measureLoad({ connections, durationSeconds, ...target }) {
  const sink = new LoadSink();
  await runInto(sink, target, connections, durationSeconds);
  return sink.summary(connections);
}

/**
 * Loads several targets for `durationSeconds` each, in alternating segments of about 2 s
 * (A B, then B A, ...). A burst of load from other processes on the machine then falls on
 * all targets alike, not only on whichever ran at that moment.
 */
export async function measureAlternating(targets, { connections, durationSeconds }) {
  const rounds = Math.max(1, Math.round(durationSeconds / SEGMENT_SECONDS));
  const segmentSeconds = durationSeconds / rounds;
  const sinks = targets.map(() => new LoadSink());
  for (let round = 0; round < rounds; round += 1) {
    const order = targets.map((_, index) => index);
    if (round % 2 === 1) {
      order.reverse();
    }
    for (const index of order) {
      await runInto(sinks[index], targets[index], connections, segmentSeconds);
    }
  }
  return sinks.map((sink) => sink.summary(connections));
}

/** Throws when a load run saw socket errors or non-2xx responses, which would make its figures meaningless. */
export function assertAllSucceeded(label, load) {
  const failed = Object.entries(load.statusCounts).filter(([status]) => Number(status) < 200 || Number(status) >= 300);
  if (failed.length > 0 || load.errors > 0 || load.ok === 0) {
    const statuses = failed.map(([status, count]) => `${count}× HTTP ${status}`).join(', ') || 'none';
    throw new Error(`${label}: ${load.ok} successful responses, failed statuses: ${statuses}, socket errors: ${load.errors}`);
  }
}

async function runInto(sink, target, connections, durationSeconds) {
  const instance = autocannon({ ...target, connections, duration: durationSeconds });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => sink.add(statusCode, responseTimeMs));
  const result = await instance;
  sink.seconds += result.duration;
  sink.errors += result.errors;
  sink.timeouts += result.timeouts;
}

class LoadSink {
  seconds = 0;
  errors = 0;
  timeouts = 0;
  statusCounts = {};
  #latencies = new Float64Array(1 << 16);
  #ok = 0;

  add(statusCode, responseTimeMs) {
    this.statusCounts[statusCode] = (this.statusCounts[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode >= 300) {
      return;
    }
    if (this.#ok === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#ok] = responseTimeMs;
    this.#ok += 1;
  }

  summary(connections) {
    const sorted = this.#latencies.slice(0, this.#ok).sort();
    return {
      connections,
      seconds: this.seconds,
      ok: this.#ok,
      statusCounts: this.statusCounts,
      errors: this.errors,
      timeouts: this.timeouts,
      requestsPerSecond: this.#ok / this.seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
    };
  }
}
