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

/**
 * Measurement 4: secret writes through the API, one PUT of one new key per request, with
 * audit events written in each write's transaction, on SQLite and on a throwaway
 * PostgreSQL cluster. Afterwards it counts the audit events in the database, to show that
 * every write was audited.
 */
export async function benchWrites({ durationSeconds, warmUpSeconds, logLevel, log }) {
  const dialects = [];
  await withTempDir('tresor-bench-writes-', async (dataDir) => {
    log(`writes: SQLite, ${CONNECTIONS} connections, ${durationSeconds} s`);
    dialects.push({ dialect: 'sqlite', ...(await measureWrites({ dataDir, databaseUrl: undefined, durationSeconds, warmUpSeconds, logLevel })) });
  });

  const { startPostgresCluster } = await loadPostgresCluster();
  const cluster = await startPostgresCluster();
  try {
    await withTempDir('tresor-bench-writes-pg-', async (dataDir) => {
      const databaseUrl = await cluster.createDatabase();
      log(`writes: PostgreSQL, ${CONNECTIONS} connections, ${durationSeconds} s`);
      dialects.push({ dialect: 'postgres', ...(await measureWrites({ dataDir, databaseUrl, durationSeconds, warmUpSeconds, logLevel })) });
    });
  } finally {
    await cluster.stop();
  }

  const names = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
  return {
    name: 'writes',
    title: `Secret writes through the API (PUT one new key per request, ${CONNECTIONS} connections)`,
    checks: dialects.map(({ dialect, load }) => atLeast(`writes/s, ${names[dialect]}`, 'writes/s', load.requestsPerSecond, MIN_WRITES_PER_SECOND[dialect])),
    notes: dialects.map(
      ({ dialect, load, auditEvents, writes }) =>
        `${names[dialect]}: p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms; ${writes} successful writes (warm-up included), ${auditEvents} secret.set audit events.`,
    ),
    details: { connections: CONNECTIONS, dialects },
  };
}

async function measureWrites({ dataDir, databaseUrl, durationSeconds, warmUpSeconds, logLevel }) {
  initOwner({ dataDir, databaseUrl });
  const server = await startTresorServer({ dataDir, databaseUrl, logLevel });
  let writes = 0;
  let load;
  try {
    const client = await ApiClient.signIn(server.url);
    const { scopePath } = await client.createScope({ app: 'bench', environment: 'production', module: 'orders', secrets: [] });
    let next = 0;
    const target = {
      url: server.url,
      method: 'PUT',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      requests: [
        {
          // A new key per request: every write inserts a secret, a version and an audit event.
          setupRequest: (request) => {
            next += 1;
            return { ...request, path: `/api/v1${scopePath}/secrets/KEY_${next}`, body: JSON.stringify({ value: randomBytes(VALUE_BYTES).toString('base64url') }) };
          },
        },
      ],
    };
    const warmUp = await measureLoad({ ...target, connections: CONNECTIONS, durationSeconds: warmUpSeconds });
    load = await measureLoad({ ...target, connections: CONNECTIONS, durationSeconds });
    assertAllSucceeded('secret writes', load);
    writes = warmUp.ok + load.ok;
  } finally {
    await server.stop();
  }
  const auditEvents = await countRows({ dataDir, databaseUrl }, 'audit_events', { column: 'action', value: 'secret.set' });
  // Requests in flight when autocannon stops still complete on the server, so there can
  // be a few more events than counted writes, never fewer.
  if (auditEvents < writes) {
    throw new Error(`${writes} successful writes but only ${auditEvents} secret.set audit events`);
  }
  return { load, writes, auditEvents };
}

