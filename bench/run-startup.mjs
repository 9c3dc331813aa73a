import { spawn } from 'node:child_process';

import { DELIVERY_SECRETS } from './delivery.mjs';
import { ApiClient } from './lib/api-client.mjs';
import { deliveryTarget, fetchDelivery } from './lib/delivery-target.mjs';
import { assertAllSucceeded, measureLoad } from './lib/load.mjs';
import { TRESOR_BIN } from './lib/paths.mjs';
import { atMostTimes } from './lib/report.mjs';
import { generateSecrets } from './lib/secret-values.mjs';
import { summarize } from './lib/stats.mjs';
import { withTempDir } from './lib/temp-dir.mjs';
import { initOwner, startTresorServer, tresorEnvironment } from './lib/tresor-process.mjs';

const WARM_UP_RUNS = 3;
const MAX_STARTUP_RATIO = 1.5;
const FALLBACK_DELIVERY_SECONDS = 2;

/**
 * Measurement 2: `tresor run -- true` from exec to exit, against `node -e 0`, run
 * alternately so that both see the same machine load. The target is 1.5 times the median
 * of `node -e 0` plus the p50 delivery time of measurement 1 at one connection.
 */
export async function benchRunStartup({ runs, deliveryP50Ms, logLevel, log }) {
  return withTempDir('tresor-bench-run-', async (dataDir) => {
    initOwner({ dataDir });
    const server = await startTresorServer({ dataDir, logLevel });
    try {
      const client = await ApiClient.signIn(server.url);
      const secrets = generateSecrets({ count: DELIVERY_SECRETS, seed: 'delivery' });
      const { token } = await client.createScope({ app: 'bench', environment: 'production', module: 'orders', secrets });
      await fetchDelivery(server.url, token, DELIVERY_SECRETS);

      let deliveryMs = deliveryP50Ms;
      let deliverySource = 'p50 of the delivery benchmark at 1 connection';
      if (deliveryMs === undefined) {
        const load = await measureLoad({ ...deliveryTarget(server.url, token), connections: 1, durationSeconds: FALLBACK_DELIVERY_SECONDS });
        assertAllSucceeded('Tresor delivery', load);
        deliveryMs = load.p50Ms;
        deliverySource = `p50 of a ${FALLBACK_DELIVERY_SECONDS} s delivery run at 1 connection`;
      }

      const nodeCommand = [process.execPath, ['-e', '0'], process.env];
      const runCommand = [process.execPath, [TRESOR_BIN, 'run', '--', 'true'], tresorEnvironment({ TRESOR_TOKEN: token, TRESOR_SERVER: server.url })];
      log(`run: ${runs} alternating runs each of \`node -e 0\` and \`tresor run -- true\``);
      for (let run = 0; run < WARM_UP_RUNS; run += 1) {
        await timeProcess(...nodeCommand);
        await timeProcess(...runCommand);
      }
      const nodeTimes = [];
      const runTimes = [];
      for (let run = 0; run < runs; run += 1) {
        nodeTimes.push(await timeProcess(...nodeCommand));
        runTimes.push(await timeProcess(...runCommand));
      }

      const node = summarize(nodeTimes);
      const tresorRun = summarize(runTimes);
      const budget = MAX_STARTUP_RATIO * node.median + deliveryMs;
      const describe = (summary) =>
        `median ${summary.median.toFixed(1)} ms, quartiles ${summary.p25.toFixed(1)}–${summary.p75.toFixed(1)} ms, range ${summary.min.toFixed(1)}–${summary.max.toFixed(1)} ms`;
      return {
        name: 'run',
        title: `tresor run -- true vs node -e 0 (${runs} runs each, exec to exit)`,
        checks: [atMostTimes('tresor run, median', 'ms', tresorRun.median, budget, 1, 'budget')],
        notes: [
          `node -e 0: ${describe(node)}.`,
          `tresor run -- true: ${describe(tresorRun)}; ${(tresorRun.median / node.median).toFixed(2)}× node -e 0.`,
          `Budget: ${MAX_STARTUP_RATIO} × ${node.median.toFixed(1)} ms + ${deliveryMs.toFixed(3)} ms delivery (${deliverySource}).`,
        ],
        details: { node, tresorRun, deliveryMs, deliverySource, budget, nodeTimes, runTimes },
      };
    } finally {
      await server.stop();
    }
  });
}

/** Spawns a process, waits for its exit and returns the elapsed time in milliseconds; throws on a non-zero exit. */
function timeProcess(file, args, env) {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr = [];
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const elapsed = performance.now() - startedAt;
      if (code !== 0) {
        reject(new Error(`${args.join(' ')} exited with ${code ?? signal}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
        return;
      }
      resolve(elapsed);
    });
  });
}
