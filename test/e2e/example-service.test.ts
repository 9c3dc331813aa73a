import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { findPostgresBinDir, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { api, freePort, loginOwner, PROJECT_ROOT, runTresorSync, startTresorServer, stopProcess, TRESOR_BIN, type TresorServer } from '../support/tresor-server.js';

const SERVICE = path.join(PROJECT_ROOT, 'examples/orders-service/server.mjs');

const postgresInstalled = await findPostgresBinDir().then(
  () => true,
  () => false,
);
if (!postgresInstalled && process.env['CI'] === 'true') {
  throw new Error('PostgreSQL binaries are missing in CI: .ci/run must install the postgresql package.');
}

/** Waits until the child printed `text` on stdout, or fails with what it printed. */
function waitForOutput(child: ChildProcess, text: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; output: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${JSON.stringify(text)}; output: ${output}`));
    });
  });
}

describe.skipIf(!postgresInstalled)('example service started by tresor run', () => {
  let cluster: PostgresCluster;
  let server: TresorServer;
  let databaseUrl: string;
  let token: string;
  const password = randomBytes(18).toString('base64url');

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query(`CREATE ROLE orders LOGIN PASSWORD '${password}'`);
    await admin.query('CREATE DATABASE orders OWNER orders');
    // The throwaway cluster trusts every local connection; make the orders role prove its
    // password, so the test shows the password from Tresor is what lets the service in.
    const hba = path.join(cluster.folder, 'data', 'pg_hba.conf');
    fs.writeFileSync(hba, `host all orders 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    databaseUrl = `postgres://orders:${password}@127.0.0.1:${cluster.port}/orders`;

    server = await startTresorServer();
    const owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'shop' });
    await api(server.url, owner, 'POST', '/apps/shop/environments', { name: 'production' });
    await api(server.url, owner, 'POST', '/apps/shop/modules', { name: 'orders' });
    const set = runTresorSync(['secrets', 'set', '--app', 'shop', '--env', 'production', '--module', 'orders', 'DATABASE_URL'], {
      env: { TRESOR_SERVER: server.url, TRESOR_ACCESS_TOKEN: owner, TRESOR_CONFIG_DIR: server.dataDir },
      input: `${databaseUrl}\n`,
    });
    expect(set.status, set.stderr).toBe(0);
    const created = await api(server.url, owner, 'POST', '/apps/shop/environments/production/modules/orders/tokens', {});
    token = created.body.token;
  });

  afterAll(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  test('wrong password is refused by PostgreSQL', async () => {
    const client = new pg.Client({ connectionString: `postgres://orders:wrong@127.0.0.1:${cluster.port}/orders` });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  test('service refuses to start without DATABASE_URL', async () => {
    const child = spawn(process.execPath, [SERVICE], { env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
  });

  test('service connects with the secret and answers', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [TRESOR_BIN, 'run', '--', process.execPath, SERVICE], {
      env: { ...process.env, TRESOR_TOKEN: token, TRESOR_SERVER: server.url, PORT: String(port), DATABASE_URL: 'postgres://stale@127.0.0.1:1/none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitForOutput(child, 'orders-service listening');

      const created = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST' });
      expect(created.status).toBe(201);
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ orders: 1, user: 'orders' });

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await stopProcess(child);
    }
  });

  test('revoked token does not start the service', async () => {
    const owner = await loginOwner(server.url);
    const extra = await api(server.url, owner, 'POST', '/apps/shop/environments/production/modules/orders/tokens', { name: 'revoked' });
    await api(server.url, owner, 'DELETE', `/apps/shop/tokens/${extra.body.tokenInfo.id}`);
    const port = await freePort();

    const child = spawn(process.execPath, [TRESOR_BIN, 'run', '--', process.execPath, SERVICE], {
      env: { ...process.env, TRESOR_TOKEN: extra.body.token, TRESOR_SERVER: server.url, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    expect(stderr).toMatch(/revoked/i);
    expect(stderr).not.toContain('orders-service listening');
  });
});
