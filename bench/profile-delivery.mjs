// Profiles the Tresor server while it serves deliveries: starts it with `node --cpu-prof`,
// loads one module's delivery with autocannon, stops it and prints where the CPU time went.
// Usage: node bench/profile-delivery.mjs [--connections=32] [--duration=10] [--log-level=info] [--out=DIR]
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { DELIVERY_SECRETS } from './delivery.mjs';
import { ApiClient } from './lib/api-client.mjs';
import { printCpuSummary, summarizeCpuProfiles } from './lib/cpu-profile.mjs';
import { deliveryTarget, fetchDelivery } from './lib/delivery-target.mjs';
import { measureLoad } from './lib/load.mjs';
import { generateSecrets } from './lib/secret-values.mjs';
import { withTempDir } from './lib/temp-dir.mjs';
import { initOwner, startTresorServer } from './lib/tresor-process.mjs';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'info' },
    out: { type: 'string' },
  },
});
const profileDir = values.out ?? (await mkdtemp(path.join(os.tmpdir(), 'tresor-profile-')));

await withTempDir('tresor-bench-profile-', async (dataDir) => {
  initOwner({ dataDir });
  const server = await startTresorServer({
    dataDir,
    logLevel: values['log-level'],
    nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  try {
    const client = await ApiClient.signIn(server.url);
    const secrets = generateSecrets({ count: DELIVERY_SECRETS, seed: 'delivery' });
    const { token } = await client.createScope({ app: 'bench', environment: 'production', module: 'orders', secrets });
    await fetchDelivery(server.url, token, DELIVERY_SECRETS);
    const load = await measureLoad({ ...deliveryTarget(server.url, token), connections: Number(values.connections), durationSeconds: Number(values.duration) });
    process.stdout.write(`${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms.toFixed(3)} ms, p99 ${load.p99Ms.toFixed(3)} ms\n`);
  } finally {
    await server.stop();
  }
});

printCpuSummary(await summarizeCpuProfiles(profileDir));
process.stdout.write(`\nProfiles: ${profileDir} (open them in Chrome DevTools, Performance tab)\n`);
