import { randomBytes } from 'node:crypto';

import { ApiClient } from './lib/api-client.mjs';
import { assertAllSucceeded, measureLoad } from './lib/load.mjs';
import { loadPostgresCluster } from './lib/postgres.mjs';
import { atLeast } from './lib/report.mjs';
import { countRows } from './lib/store-rows.mjs';
import { withTempDir } from './lib/temp-dir.mjs';
import { initOwner, startTresorServer } from './lib/tresor-process.mjs';

const CONNECTIONS = 4;
const VALUE_BYTES = 40;
const MIN_WRITES_PER_SECOND = { sqlite: 1000, postgres: 500 };
const DIALECT_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * Measurement 4: secret writes through the API, one PUT of one new key per request, with
 * audit events written in each write's transaction, on SQLite and on a throwaway
 * PostgreSQL cluster. The keys go round-robin to as many modules as there are connections,
 * and then all to one module, where writers wait for each other: a write locks its
 * module's revision until it commits. Afterwards the benchmark counts the audit events in
 * the database, to show that every write was audited.
 */
export async function benchWrites({ durationSeconds, warmUpSeconds, logLevel, log }) {
  const dialects = [];
  await withTempDir('tresor-bench-writes-', async (dataDir) => {
    dialects.push({ dialect: 'sqlite', ...(await measureWrites({ dataDir, databaseUrl: undefined, durationSeconds, warmUpSeconds, logLevel, log })) });
  });

  const { startPostgresCluster } = await loadPostgresCluster();
  const cluster = await startPostgresCluster({ durable: true });
  try {
    await withTempDir('tresor-bench-writes-pg-', async (dataDir) => {
      const databaseUrl = await cluster.createDatabase();
      dialects.push({ dialect: 'postgres', ...(await measureWrites({ dataDir, databaseUrl, durationSeconds, warmUpSeconds, logLevel, log })) });
    });
  } finally {
    await cluster.stop();
  }

  return {
    name: 'writes',
    title: `Secret writes through the API (PUT one new key per request, ${CONNECTIONS} connections)`,
    checks: dialects.flatMap(({ dialect, spread, single }) => [
      atLeast(`writes/s, ${DIALECT_NAMES[dialect]}, ${CONNECTIONS} modules`, 'writes/s', spread.requestsPerSecond, MIN_WRITES_PER_SECOND[dialect]),
      atLeast(`writes/s, ${DIALECT_NAMES[dialect]}, 1 module`, 'writes/s', single.requestsPerSecond, MIN_WRITES_PER_SECOND[dialect]),
    ]),
    notes: dialects.map(
      ({ dialect, spread, single, auditEvents, writes }) =>
        `${DIALECT_NAMES[dialect]}: p50 ${spread.p50Ms.toFixed(2)} ms and p99 ${spread.p99Ms.toFixed(2)} ms over ${CONNECTIONS} modules, ` +
        `p50 ${single.p50Ms.toFixed(2)} ms and p99 ${single.p99Ms.toFixed(2)} ms on 1 module; ` +
        `${writes} successful writes (warm-up included), ${auditEvents} secret.set audit events.`,
    ),
    details: { connections: CONNECTIONS, dialects },
  };
}

async function measureWrites({ dataDir, databaseUrl, durationSeconds, warmUpSeconds, logLevel, log }) {
  const dialect = databaseUrl === undefined ? 'sqlite' : 'postgres';
  initOwner({ dataDir, databaseUrl });
  const server = await startTresorServer({ dataDir, databaseUrl, logLevel });
  let result;
  try {
    const client = await ApiClient.signIn(server.url);
    await client.request('POST', '/apps', { name: 'bench' });
    await client.request('POST', '/apps/bench/environments', { name: 'production' });
    const scopePaths = [];
    for (let index = 0; index < CONNECTIONS; index += 1) {
      await client.request('POST', '/apps/bench/modules', { name: `module-${index}` });
      scopePaths.push(`/apps/bench/environments/production/modules/module-${index}`);
    }

    let next = 0;
    const writesTo = (modules) => ({
      url: server.url,
      method: 'PUT',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      requests: [
        {
          // A new key per request: every write inserts a secret, a version and an audit event.
          setupRequest: (request) => {
            next += 1;
            const path = `/api/v1${scopePaths[next % modules]}/secrets/KEY_${next}`;
            return { ...request, path, body: JSON.stringify({ value: randomBytes(VALUE_BYTES).toString('base64url') }) };
          },
        },
      ],
    });

    log(`writes: ${DIALECT_NAMES[dialect]}, ${CONNECTIONS} connections, ${durationSeconds} s over ${CONNECTIONS} modules, then ${durationSeconds} s on 1 module`);
    const warmUp = await measureLoad({ ...writesTo(CONNECTIONS), connections: CONNECTIONS, durationSeconds: warmUpSeconds });
    const spread = await measureLoad({ ...writesTo(CONNECTIONS), connections: CONNECTIONS, durationSeconds });
    assertAllSucceeded(`secret writes to ${CONNECTIONS} modules`, spread);
    const single = await measureLoad({ ...writesTo(1), connections: CONNECTIONS, durationSeconds });
    assertAllSucceeded('secret writes to 1 module', single);
    result = { spread, single, writes: warmUp.ok + spread.ok + single.ok };
  } finally {
    await server.stop();
  }

  const auditEvents = await countRows({ dataDir, databaseUrl }, 'audit_events', { column: 'action', value: 'secret.set' });
  // Requests in flight when autocannon stops still complete on the server, so there can
  // be a few more events than counted writes, never fewer.
  if (auditEvents < result.writes) {
    throw new Error(`${result.writes} successful writes but only ${auditEvents} secret.set audit events`);
  }
  return { ...result, auditEvents };
}
