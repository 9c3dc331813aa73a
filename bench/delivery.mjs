import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { ApiClient } from './lib/api-client.mjs';
import { startBaselineServer } from './lib/baseline-process.mjs';
import { deliveryTarget, fetchDelivery } from './lib/delivery-target.mjs';
import { assertAllSucceeded, measureAlternating, measureLoad } from './lib/load.mjs';
import { atLeastTimes, atMostTimes } from './lib/report.mjs';
import { generateSecrets } from './lib/secret-values.mjs';
import { countDeliveries } from './lib/store-rows.mjs';
import { withTempDir } from './lib/temp-dir.mjs';
import { cpuSeconds, initOwner, startTresorServer } from './lib/tresor-process.mjs';

export const DELIVERY_SECRETS = 50;
const CONNECTIONS = [1, 32];
const MIN_THROUGHPUT_RATIO = 0.6;
const MAX_P99_RATIO = 2;

/**
 * Measurement 1: one module's delivery (50 secrets of 20 to 2,000 bytes) through the real
 * server process, against a bare node:http process that sends the same response bytes.
 * Both get a warm-up run first.
 */
export async function benchDelivery({ durationSeconds, warmUpSeconds, logLevel, log }) {
  return withTempDir('tresor-bench-delivery-', async (dataDir) => {
    initOwner({ dataDir });
    const server = await startTresorServer({ dataDir, logLevel });
    let baseline = null;
    try {
      const client = await ApiClient.signIn(server.url);
      const secrets = generateSecrets({ count: DELIVERY_SECRETS, seed: 'delivery' });
      const { token } = await client.createScope({ app: 'bench', environment: 'production', module: 'orders', secrets });
      const body = await fetchDelivery(server.url, token, DELIVERY_SECRETS);
      const bodyFile = path.join(dataDir, 'delivery-response.json');
      await writeFile(bodyFile, body, { mode: 0o600 });
      baseline = await startBaselineServer(bodyFile);

      const tresorTarget = deliveryTarget(server.url, token);
      const baselineTarget = { url: `${baseline.url}/api/v1/delivery`, headers: tresorTarget.headers };
      const runs = [];
      let delivered = 1;
      for (const connections of CONNECTIONS) {
        log(`delivery: ${connections} connection(s), ${durationSeconds} s each for the baseline and Tresor, alternating`);
        await measureLoad({ ...baselineTarget, connections, durationSeconds: warmUpSeconds });
        const warmUp = await measureLoad({ ...tresorTarget, connections, durationSeconds: warmUpSeconds });
        const cpuBefore = [await cpuSeconds(baseline.pid), await cpuSeconds(server.pid)];
        const [baselineLoad, tresorLoad] = await measureAlternating([baselineTarget, tresorTarget], { connections, durationSeconds });
        baselineLoad.cpuMicrosecondsPerRequest = ((await cpuSeconds(baseline.pid)) - cpuBefore[0]) * 1e6 / baselineLoad.ok;
        tresorLoad.cpuMicrosecondsPerRequest = ((await cpuSeconds(server.pid)) - cpuBefore[1]) * 1e6 / tresorLoad.ok;
        assertAllSucceeded('baseline', baselineLoad);
        assertAllSucceeded('Tresor delivery', tresorLoad);
        runs.push({ connections, baseline: baselineLoad, tresor: tresorLoad });
        delivered += warmUp.ok + tresorLoad.ok;
      }
      await server.stop();
      const { deliveries: recorded, rows: recordRows } = await countDeliveries({ dataDir });
      // Requests in flight when autocannon stops still complete on the server, so there can
      // be a few more recorded deliveries than counted ones, never fewer.
      if (recorded < delivered) {
        throw new Error(`${delivered} successful deliveries but only ${recorded} recorded`);
      }

      const checks = runs.flatMap(({ connections, baseline: b, tresor: t }) => [
        atLeastTimes(`requests/s, ${connections} conn.`, 'req/s', t.requestsPerSecond, b.requestsPerSecond, MIN_THROUGHPUT_RATIO),
        atMostTimes(`p99 latency, ${connections} conn.`, 'ms', t.p99Ms, b.p99Ms, MAX_P99_RATIO),
      ]);
      return {
        name: 'delivery',
        title: `Delivery of ${DELIVERY_SECRETS} secrets (${body.length} response bytes) vs bare node:http`,
        checks,
        notes: [
          `Tresor server log level: ${logLevel}. Baseline: bench/baseline-server.mjs sending the same bytes.`,
          ...runs.map(
            ({ connections, baseline: b, tresor: t }) =>
              `Server CPU per request at ${connections} conn.: Tresor ${t.cpuMicrosecondsPerRequest.toFixed(0)} µs, baseline ${b.cpuMicrosecondsPerRequest.toFixed(0)} µs.`,
          ),
          `${delivered} successful deliveries (warm-ups included); after the server stopped, the database counted ${recorded} in ${recordRows} rows.`,
        ],
        details: { responseBytes: body.length, logLevel, runs, delivered, recorded, recordRows },
      };
    } finally {
      await baseline?.stop();
      await server.stop();
    }
  });
}

