import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';

import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { api, freePort, loginOwner, OWNER_EMAIL, OWNER_PASSWORD, runTresorSync, stopProcess, TRESOR_BIN } from '../support/tresor-server.js';
import { postgresInstalled } from './support/postgres-available.js';
import { randomRootKey } from './support/instances.js';

const CANARY_PASSWORD = 'canary-db-password-7Qx9';
const LOGIN_ROLE = 'tresor_login';
const LOGIN_PASSWORD = 'right-password-for-login-role';

async function temporaryDataDir(): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-pg-cli-'));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function queryRows<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Starts `tresor server` with only the environment naming the database, and waits for its health check. */
async function spawnServer(dataDir: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
  const child = spawn(process.execPath, [TRESOR_BIN, 'server', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  onTestFinished(() => stopProcess(child));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const healthy = await fetch(`${url}/api/v1/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) {
      return { url, child };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`tresor server did not become healthy; log:\n${fs.readFileSync(path.join(dataDir, 'server.log'), 'utf8')}`);
}

function expectCleanFailure(result: ReturnType<typeof runTresorSync>, exitCode = 1): void {
  expect(result.status, result.stderr).toBe(exitCode);
  expect(result.stderr).toMatch(/^tresor: /m);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('unexpected error');
}

describe.skipIf(!postgresInstalled)('tresor CLI on PostgreSQL', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    await queryRows(cluster.url(), `CREATE ROLE ${LOGIN_ROLE} LOGIN PASSWORD '${LOGIN_PASSWORD}'`);
    // The test cluster trusts every loopback login; this role must prove its password.
    const hba = path.join(cluster.folder, 'data', 'pg_hba.conf');
    fs.writeFileSync(hba, `host all ${LOGIN_ROLE} 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
    await queryRows(cluster.url(), 'SELECT pg_reload_conf()');
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test('migrate creates the schema once', async () => {
    const databaseUrl = await cluster.createDatabase();
    const dataDir = await temporaryDataDir();

    const first = runTresorSync(['migrate', '--data-dir', dataDir, '--database', databaseUrl]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('is up to date');
    const migrations = await queryRows<{ name: string }>(databaseUrl, 'SELECT name FROM kysely_migration ORDER BY name');
    expect(migrations.map((row) => row.name)).toEqual(['0001-initial', '0002-delivery-counts']);

    const second = runTresorSync(['migrate', '--data-dir', dataDir, '--database', databaseUrl]);
    expect(second.status, second.stderr).toBe(0);
    const tables = await queryRows<{ count: string }>(databaseUrl, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'");
    expect(Number(tables[0]?.count)).toBeGreaterThanOrEqual(14);
  });

  test('init and server use TRESOR_DATABASE_URL', async () => {
    const databaseUrl = await cluster.createDatabase();
    const dataDir = await temporaryDataDir();
    const env = { TRESOR_DATABASE_URL: databaseUrl, TRESOR_ROOT_KEY: randomRootKey() };

    const init = runTresorSync(['init', '--data-dir', dataDir, '--email', OWNER_EMAIL], { env, input: `${OWNER_PASSWORD}\n` });
    expect(init.status, init.stderr).toBe(0);
    const users = await queryRows<{ email: string }>(databaseUrl, 'SELECT email FROM users');
    expect(users).toEqual([{ email: OWNER_EMAIL }]);

    const { url } = await spawnServer(dataDir, env);
    const token = await loginOwner(url);
    expect((await api(url, token, 'POST', '/apps', { name: 'shop' })).status).toBe(201);
    const apps = await queryRows<{ name: string }>(databaseUrl, 'SELECT name FROM apps');
    expect(apps).toEqual([{ name: 'shop' }]);
    // Nothing went to the SQLite default in the data folder.
    expect(fs.existsSync(path.join(dataDir, 'tresor.db'))).toBe(false);
  });

  test('server --database wins over the environment', async () => {
    const chosen = await cluster.createDatabase();
    const other = await cluster.createDatabase();
    const dataDir = await temporaryDataDir();
    const env = { TRESOR_DATABASE_URL: other, TRESOR_ROOT_KEY: randomRootKey() };

    await spawnServer(dataDir, env, ['--database', chosen]);

    const chosenTables = await queryRows<{ count: string }>(chosen, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'");
    const otherTables = await queryRows<{ count: string }>(other, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'");
    expect(Number(chosenTables[0]?.count)).toBe(1);
    expect(Number(otherTables[0]?.count)).toBe(0);
  });

  test('pool size caps connections', async () => {
    const databaseUrl = await cluster.createDatabase();
    const dataDir = await temporaryDataDir();
    const env = { TRESOR_DATABASE_URL: databaseUrl, TRESOR_ROOT_KEY: randomRootKey(), TRESOR_DATABASE_POOL_SIZE: '2' };
    const init = runTresorSync(['init', '--data-dir', dataDir, '--email', OWNER_EMAIL], { env, input: OWNER_PASSWORD });
    expect(init.status, init.stderr).toBe(0);
    const { url } = await spawnServer(dataDir, env);
    const token = await loginOwner(url);
    expect((await api(url, token, 'POST', '/apps', { name: 'shop' })).status).toBe(201);

    const responses = await Promise.all(Array.from({ length: 40 }, () => api(url, token, 'GET', '/apps')));

    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    const name = new URL(databaseUrl).pathname.slice(1);
    const connections = await queryRows<{ count: string }>(cluster.url(), `SELECT count(*) FROM pg_stat_activity WHERE datname = '${name}'`);
    expect(Number(connections[0]?.count)).toBeLessThanOrEqual(2);
  });

  test('invalid pool size is a usage error', async () => {
    const dataDir = await temporaryDataDir();

    const fromFlag = runTresorSync(['server', '--data-dir', dataDir, '--database', cluster.url(), '--pool-size', '0']);
    const fromEnvironment = runTresorSync(['server', '--data-dir', dataDir, '--database', cluster.url()], { env: { TRESOR_DATABASE_POOL_SIZE: 'many' } });

    expectCleanFailure(fromFlag, 2);
    expect(fromFlag.stderr).toContain('--pool-size "0"');
    expectCleanFailure(fromEnvironment, 2);
    expect(fromEnvironment.stderr).toContain('TRESOR_DATABASE_POOL_SIZE "many"');
  });

  test('unreachable host names it, not the password', async () => {
    const dataDir = await temporaryDataDir();
    const closedPort = await freePort();
    const databaseUrl = `postgres://tresor:${CANARY_PASSWORD}@127.0.0.1:${closedPort}/tresor`;

    for (const args of [['migrate'], ['server', '--port', '0'], ['init', '--email', OWNER_EMAIL]]) {
      const result = runTresorSync([...args, '--data-dir', dataDir, '--database', databaseUrl], { env: { TRESOR_ROOT_KEY: randomRootKey() }, input: OWNER_PASSWORD });

      expectCleanFailure(result);
      expect(result.stderr).toContain(`127.0.0.1:${closedPort}`);
      expect(result.stderr).toContain('connection refused');
      expect(result.stderr + result.stdout).not.toContain(CANARY_PASSWORD);
    }
  });

  test('unknown database is named', async () => {
    const dataDir = await temporaryDataDir();
    const databaseUrl = cluster.url('no_such_database');

    const result = runTresorSync(['migrate', '--data-dir', dataDir, '--database', databaseUrl]);

    expectCleanFailure(result);
    expect(result.stderr).toContain(`127.0.0.1:${cluster.port}/no_such_database`);
    expect(result.stderr).toContain('the database does not exist');
    // The database is opened before the root key, so a failed start leaves no new key file.
    expect(fs.existsSync(path.join(dataDir, 'root.key'))).toBe(false);
    expect(result.stderr).not.toContain('Created a new root key file');
  });

  test('rejected logins are explained', async () => {
    const dataDir = await temporaryDataDir();
    const wrongPassword = `postgres://${LOGIN_ROLE}:${CANARY_PASSWORD}@127.0.0.1:${cluster.port}/postgres`;
    const unknownRole = `postgres://nobody:${CANARY_PASSWORD}@127.0.0.1:${cluster.port}/postgres`;

    const passwordResult = runTresorSync(['migrate', '--data-dir', dataDir, '--database', wrongPassword]);
    const roleResult = runTresorSync(['migrate', '--data-dir', dataDir, '--database', unknownRole]);

    expectCleanFailure(passwordResult);
    expect(passwordResult.stderr).toContain('password authentication failed');
    expect(passwordResult.stderr).toContain(`127.0.0.1:${cluster.port}`);
    expect(passwordResult.stderr).not.toContain(CANARY_PASSWORD);
    expectCleanFailure(roleResult);
    expect(roleResult.stderr).toContain('rejected the login');
    expect(roleResult.stderr).not.toContain(CANARY_PASSWORD);
  });

  test('unparsable URL is rejected without echo', async () => {
    const dataDir = await temporaryDataDir();

    const result = runTresorSync(['migrate', '--data-dir', dataDir, '--database', `postgres://tresor:${CANARY_PASSWORD}@[::1`]);

    expectCleanFailure(result);
    expect(result.stderr).toContain('not a valid URL');
    expect(result.stderr).not.toContain(CANARY_PASSWORD);
  });
});
