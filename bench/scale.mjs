import path from 'node:path';

import { DELIVERY_SECRETS } from './delivery.mjs';
import { bulkLoadStore } from './lib/bulk-loader.mjs';
import { deliveryTarget, fetchDelivery } from './lib/delivery-target.mjs';
import { assertAllSucceeded, measureAlternating, measureLoad } from './lib/load.mjs';
import { atMost, atMostTimes } from './lib/report.mjs';
import { generateSecrets } from './lib/secret-values.mjs';
import { summarize } from './lib/stats.mjs';
import { withTempDir } from './lib/temp-dir.mjs';
import { initOwner, startTresorServer } from './lib/tresor-process.mjs';

const CONNECTIONS = [1, 32];
const MAX_P50_RATIO = 1.2;
const MAX_RSS_BYTES = 150 * 1024 * 1024;
const MAX_READY_MS = 1000;
const READY_SAMPLES = 3;
const SWEEP_CONCURRENCY = 8;
const FILLER_VALUE_BYTES = { min: 20, max: 2000 };

const BIG_STORE = { apps: 100, modulesPerApp: 20, environments: 3, totalSecrets: 100_000 };
const SMALL_STORE = { apps: 1, modulesPerApp: 2, environments: 1, totalSecrets: 100 };

/**
 * Measurement 3: a store of 100,000 secrets (2,000 modules in 100 apps, 3 environments)
 * against one of 100 secrets. Both stores hold the same 50-secret target module, so both
 * deliveries send the same bytes. Also checks the big-store server's start-up time and its
 * memory after the load, and reports its memory after one delivery of each of its 6,000
 * scopes, which fills every cache to its bound.
 */
export async function benchScale({ durationSeconds, warmUpSeconds, logLevel, log }) {
  return withTempDir('tresor-bench-scale-', async (folder) => {
    const targetSecrets = generateSecrets({ count: DELIVERY_SECRETS, seed: 'delivery' });
    const big = await prepareStore(path.join(folder, 'big'), { ...BIG_STORE, targetSecrets, log });
    const small = await prepareStore(path.join(folder, 'small'), { ...SMALL_STORE, targetSecrets, log });

    log(`scale: starting the server on the big store ${READY_SAMPLES} times`);
    const bigReady = await sampleReadyTimes(big.dataDir, logLevel);
    const smallReady = await sampleReadyTimes(small.dataDir, logLevel);
    const bigServer = await startTresorServer({ dataDir: big.dataDir, logLevel });
    const smallServer = await startTresorServer({ dataDir: small.dataDir, logLevel });
    try {
      const bigTarget = deliveryTarget(bigServer.url, big.load.tokens[0]);
      const smallTarget = deliveryTarget(smallServer.url, small.load.tokens[0]);
      const bigBody = await fetchDelivery(bigServer.url, big.load.tokens[0], DELIVERY_SECRETS);
      const smallBody = await fetchDelivery(smallServer.url, small.load.tokens[0], DELIVERY_SECRETS);
      if (bigBody.length !== smallBody.length) {
        throw new Error(`the target module's deliveries differ in size: ${bigBody.length} bytes from the big store, ${smallBody.length} from the small one`);
      }

      const runs = [];
      for (const connections of CONNECTIONS) {
        log(`scale: ${connections} connection(s), ${durationSeconds} s each for the small and the big store, alternating`);
        for (const target of [smallTarget, bigTarget]) {
          await measureLoad({ ...target, connections, durationSeconds: warmUpSeconds });
        }
        const [smallLoad, bigLoad] = await measureAlternating([smallTarget, bigTarget], { connections, durationSeconds });
        assertAllSucceeded('small store', smallLoad);
        assertAllSucceeded('big store', bigLoad);
        runs.push({ connections, small: smallLoad, big: bigLoad });
      }
      const rssAfterLoad = await bigServer.rssBytes();

      log(`scale: one delivery of each of the ${big.load.tokens.length} scopes of the big store`);
      const sweep = await deliverEveryScope(bigServer.url, big.load.tokens);
      const rssAfterSweep = await bigServer.rssBytes();

      const checks = [
        ...runs.map(({ connections, small: s, big: b }) =>
          atMostTimes(`p50 latency, ${connections} conn.`, 'ms', b.p50Ms, s.p50Ms, MAX_P50_RATIO, '100-secret store'),
        ),
        atMost('server RSS after the load', 'bytes', rssAfterLoad, MAX_RSS_BYTES),
        atMost(`ready after start, median of ${READY_SAMPLES}`, 'ms', bigReady.median, MAX_READY_MS),
      ];
      return {
        name: 'scale',
        title: `Delivery from a store of ${big.load.secretsWritten.toLocaleString('en-US')} secrets vs one of ${small.load.secretsWritten}`,
        checks,
        notes: [
          `Bulk load: ${big.load.secretsWritten.toLocaleString('en-US')} secrets in ${big.load.scopes.toLocaleString('en-US')} scopes in ${big.load.seconds.toFixed(1)} s (${Math.round(big.load.secretsPerSecond).toLocaleString('en-US')} secrets/s), database ${(big.databaseBytes / 1024 / 1024).toFixed(0)} MB.`,
          `Ready after start (spawn to the first 200 from /api/v1/health): big store ${describeMs(bigReady)}; small store ${describeMs(smallReady)}.`,
          `Sweep: ${sweep.delivered} deliveries of distinct scopes in ${sweep.seconds.toFixed(1)} s with ${SWEEP_CONCURRENCY} at a time; server RSS afterwards ${(rssAfterSweep / 1024 / 1024).toFixed(1)} MB (no target: it shows the caches' bounds).`,
        ],
        details: { bigStore: { ...BIG_STORE, ...omitTokens(big.load), databaseBytes: big.databaseBytes }, smallStore: { ...SMALL_STORE, ...omitTokens(small.load) }, runs, rssAfterLoad, rssAfterSweep, bigReady, smallReady, sweep },
      };
    } finally {
      await bigServer.stop();
      await smallServer.stop();
    }
  });
}

async function prepareStore(dataDir, { apps, modulesPerApp, environments, totalSecrets, targetSecrets, log }) {
  initOwner({ dataDir });
  const load = await bulkLoadStore({ dataDir, apps, modulesPerApp, environments, totalSecrets, targetSecrets, fillerValueBytes: FILLER_VALUE_BYTES, log });
  const { stat } = await import('node:fs/promises');
  const databaseBytes = (await stat(path.join(dataDir, 'tresor.db'))).size;
  return { dataDir, load, databaseBytes };
}

/** Starts and stops the server several times and summarizes the time from spawn to ready. */
async function sampleReadyTimes(dataDir, logLevel) {
  const times = [];
  for (let sample = 0; sample < READY_SAMPLES; sample += 1) {
    const server = await startTresorServer({ dataDir, logLevel });
    times.push(server.readyMs);
    await server.stop();
  }
  return summarize(times);
}

/** Fetches the delivery of every token once, a few at a time, so the server's caches see every scope. */
async function deliverEveryScope(serverUrl, tokens) {
  const startedAt = performance.now();
  let next = 0;
  let delivered = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const token = tokens[next];
      next += 1;
      const response = await fetch(`${serverUrl}/api/v1/delivery`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`GET /api/v1/delivery returned HTTP ${response.status} during the sweep`);
      }
      delivered += 1;
    }
  };
  await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
  return { delivered, seconds: (performance.now() - startedAt) / 1000 };
}

function omitTokens({ tokens: _tokens, ...rest }) {
  return rest;
}

function describeMs(summary) {
  return `median ${summary.median.toFixed(0)} ms (range ${summary.min.toFixed(0)}–${summary.max.toFixed(0)} ms)`;
}
