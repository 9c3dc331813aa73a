import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';

import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import { readTestDialect } from '../support/test-dialect.js';
import { api, loginOwner, runTresorSync, startTresorServer } from '../support/tresor-server.js';
import { postgresInstalled } from '../postgres/support/postgres-available.js';
import { createApp, randomRootKey, secretsPath, tokensPath } from '../postgres/support/instances.js';

type Dialect = 'sqlite' | 'postgres';

const APP = 'shop';
const ENVIRONMENT = 'production';
const MODULE = 'api';
const PATH = secretsPath(APP, ENVIRONMENT, MODULE);
const CANARY = 'canary-value-in-cli-backup-41d7';

/** What the API shows about the seeded app, to compare before a backup and after a restore. */
interface Observed {
  revealed: unknown;
  history: unknown;
  tokens: Array<{ name: string; revokedAt: string | null; lastDeliveryAt: string | null }>;
  auditIds: string[];
}

async function observe(url: string, token: string): Promise<Observed> {
  const revealed = await api(url, token, 'POST', `${PATH}/reveal`, {});
  const history = await api(url, token, 'GET', `${PATH}/DATABASE_URL/versions`);
  const tokens = await api(url, token, 'GET', `/apps/${APP}/tokens`);
  const audit = await api(url, token, 'GET', `/apps/${APP}/audit?limit=1000`);
  return {
    revealed: revealed.body.secrets,
    history: history.body.versions,
    tokens: tokens.body.tokens.map((entry: Observed['tokens'][0]) => ({ name: entry.name, revokedAt: entry.revokedAt, lastDeliveryAt: entry.lastDeliveryAt })),
    auditIds: audit.body.events.map((event: { id: string }) => event.id),
  };
}

// Both dialects are chosen explicitly here, so the PostgreSQL run of test/store skips this
// file instead of repeating it.
describe.skipIf(!postgresInstalled || readTestDialect() === 'postgres')('tresor backup and restore commands', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function temporaryFolder(): Promise<string> {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tresor-backup-cli-'));
    onTestFinished(() => rm(folder, { recursive: true, force: true }));
    return folder;
  }

  async function databaseOf(dialect: Dialect, folder: string, name: string): Promise<string> {
    return dialect === 'sqlite' ? `sqlite:${path.join(folder, `${name}.db`)}` : cluster.createDatabase();
  }

  const cases: Array<[Dialect, Dialect]> = [
    ['sqlite', 'postgres'],
    ['postgres', 'sqlite'],
    ['sqlite', 'sqlite'],
  ];

  test.each(cases)('%s to %s keeps everything', async (from, to) => {
    const folder = await temporaryFolder();
    const env = { TRESOR_ROOT_KEY: randomRootKey() };
    const sourceUrl = await databaseOf(from, folder, 'source');
    const targetUrl = await databaseOf(to, folder, 'target');
    const backupFile = path.join(folder, 'tresor.backup');

    const source = await startTresorServer({ databaseUrl: sourceUrl, env });
    onTestFinished(() => source.stop());
    const personalToken = await loginOwner(source.url);
    await createApp(source.url, personalToken, APP, [ENVIRONMENT], [MODULE]);
    expect((await api(source.url, personalToken, 'POST', PATH, { secrets: [{ key: 'DATABASE_URL', value: 'postgres://one' }, { key: 'CANARY', value: CANARY }] })).status).toBe(200);
    expect((await api(source.url, personalToken, 'PUT', `${PATH}/DATABASE_URL`, { value: 'postgres://two\nwith "quotes" and ü' })).status).toBe(200);
    expect((await api(source.url, personalToken, 'PUT', `${PATH}/DELETED`, { value: 'gone' })).status).toBe(200);
    expect((await api(source.url, personalToken, 'DELETE', `${PATH}/DELETED`)).status).toBe(200);
    const serviceToken = (await api(source.url, personalToken, 'POST', tokensPath(APP, ENVIRONMENT, MODULE), { name: 'api-production' })).body.token as string;
    const delivered = await api(source.url, serviceToken, 'GET', '/delivery');
    expect(delivered.status).toBe(200);
    const before = await observe(source.url, personalToken);
    // Stopping flushes the batched delivery records into the database.
    await source.stop();

    const backup = runTresorSync(['backup', '--data-dir', folder, '--database', sourceUrl, '--output', backupFile], { env });
    const restore = runTresorSync(['restore', '--data-dir', folder, '--database', targetUrl, '--input', backupFile], { env });

    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stderr).toContain(`Wrote backup ${backupFile}`);
    expect(backup.stdout).toBe('');
    expect((await stat(backupFile)).mode & 0o777).toBe(0o600);
    expect(restore.status, restore.stderr).toBe(0);
    expect(restore.stderr).toContain(`from the backup made at`);
    expect(backup.stderr + restore.stderr).not.toContain(CANARY);

    const target = await startTresorServer({ databaseUrl: targetUrl, env, createOwner: false });
    onTestFinished(() => target.stop());
    const after = await observe(target.url, personalToken);
    const deliveredAfter = await api(target.url, serviceToken, 'GET', '/delivery');

    expect(after.revealed).toEqual(before.revealed);
    expect(after.history).toEqual(before.history);
    expect(after.tokens.map(({ name, revokedAt }) => ({ name, revokedAt }))).toEqual(before.tokens.map(({ name, revokedAt }) => ({ name, revokedAt })));
    // The delivery was still buffered when `before` was read; stopping the source wrote it.
    expect(after.tokens[0]?.lastDeliveryAt).not.toBeNull();
    expect(after.auditIds).toEqual(expect.arrayContaining(before.auditIds));
    expect(deliveredAfter.status).toBe(200);
    expect(deliveredAfter.body.secrets).toEqual(delivered.body.secrets);
  });

  test('restore into used database fails', async () => {
    const folder = await temporaryFolder();
    const env = { TRESOR_ROOT_KEY: randomRootKey() };
    const databaseUrl = await databaseOf('postgres', folder, 'used');
    const init = runTresorSync(['init', '--data-dir', folder, '--database', databaseUrl, '--email', 'owner@example.com'], { env, input: 'owner-password-for-tests-only' });
    expect(init.status, init.stderr).toBe(0);
    const backupFile = path.join(folder, 'tresor.backup');
    expect(runTresorSync(['backup', '--data-dir', folder, '--database', databaseUrl, '--output', backupFile], { env }).status).toBe(0);

    const restore = runTresorSync(['restore', '--data-dir', folder, '--database', databaseUrl, '--input', backupFile], { env });
    const again = runTresorSync(['backup', '--data-dir', folder, '--database', databaseUrl, '--output', backupFile], { env });

    expect(restore.status).toBe(1);
    expect(restore.stderr).toContain('table users already has rows');
    expect(restore.stderr).toContain(`127.0.0.1:${cluster.port}`);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  test('wrong root key fails clearly', async () => {
    const folder = await temporaryFolder();
    const env = { TRESOR_ROOT_KEY: randomRootKey() };
    const sourceUrl = await databaseOf('sqlite', folder, 'source');
    const init = runTresorSync(['init', '--data-dir', folder, '--database', sourceUrl, '--email', 'owner@example.com'], { env, input: 'owner-password-for-tests-only' });
    expect(init.status, init.stderr).toBe(0);
    const backupFile = path.join(folder, 'tresor.backup');
    expect(runTresorSync(['backup', '--data-dir', folder, '--database', sourceUrl, '--output', backupFile], { env }).status).toBe(0);
    const targetUrl = await databaseOf('sqlite', folder, 'target');

    const restore = runTresorSync(['restore', '--data-dir', folder, '--database', targetUrl, '--input', backupFile], { env: { TRESOR_ROOT_KEY: randomRootKey() } });
    const withoutKey = runTresorSync(['restore', '--data-dir', folder, '--database', targetUrl, '--input', backupFile], { env: { TRESOR_ROOT_KEY: undefined } });

    expect(restore.status).toBe(1);
    expect(restore.stderr).toMatch(/^tresor: The backup .* is corrupt or was made with another root key/);
    expect(restore.stderr).not.toMatch(/\n\s+at /);
    expect(withoutKey.status).toBe(1);
    expect(withoutKey.stderr).toContain('No root key');
  });
});
