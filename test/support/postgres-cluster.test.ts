import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createPostgresDatabase,
  findPostgresBinDir,
  PostgresBinariesMissingError,
  startPostgresCluster,
  type PostgresCluster,
} from './postgres-cluster.js';

async function startCluster(lines: string[] = []): Promise<PostgresCluster> {
  const cluster = await startPostgresCluster({ log: (line) => lines.push(line) });
  onTestFinished(() => cluster.stop());
  return cluster;
}

async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  onTestFinished(() => client.end().catch(() => {}));
  return client;
}

function isConnectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Builds a fake install root with `<version>/bin/<program>` executables. */
async function fakeInstallRoot(layout: Record<string, string[]>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tresor-fake-postgresql-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));

  for (const [version, programs] of Object.entries(layout)) {
    const binDir = join(root, version, 'bin');
    await mkdir(binDir, { recursive: true });
    for (const program of programs) {
      await writeFile(join(binDir, program), '#!/bin/sh\n');
      await chmod(join(binDir, program), 0o755);
    }
  }
  return root;
}

const ALL_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];

describe('findPostgresBinDir', () => {
  it('picks the newest complete version', async () => {
    const root = await fakeInstallRoot({
      '14': ALL_PROGRAMS,
      '15': ALL_PROGRAMS,
      '16': ALL_PROGRAMS,
      '17': ['initdb', 'pg_ctl'],
      'common': ALL_PROGRAMS,
    });

    await expect(findPostgresBinDir(root)).resolves.toBe(join(root, '16', 'bin'));
  });

  it('rejects versions older than 15', async () => {
    const root = await fakeInstallRoot({ '13': ALL_PROGRAMS, '14': ALL_PROGRAMS });

    const failure = findPostgresBinDir(root);

    await expect(failure).rejects.toBeInstanceOf(PostgresBinariesMissingError);
    await expect(failure).rejects.toThrow(/PostgreSQL binaries are missing/);
    await expect(failure).rejects.toThrow(/apt-get install postgresql/);
  });

  it('reports a missing install root', async () => {
    const root = join(tmpdir(), 'tresor-no-such-postgresql-folder');

    await expect(findPostgresBinDir(root)).rejects.toBeInstanceOf(PostgresBinariesMissingError);
  });
});

describe('createPostgresDatabase', () => {
  it('rejects a name that needs quoting', async () => {
    const unreachableServer = 'postgres://tresor@127.0.0.1:1/postgres';

    await expect(createPostgresDatabase(unreachableServer, 'Tresor-Test')).rejects.toThrow(
      /Invalid database name "Tresor-Test"/,
    );
  });
});

describe('startPostgresCluster', () => {
  it('serves on 127.0.0.1 as tresor', async () => {
    const lines: string[] = [];
    const cluster = await startCluster(lines);

    expect(cluster.url()).toBe(`postgres://tresor@127.0.0.1:${cluster.port}/postgres`);
    expect(cluster.url('other')).toBe(`postgres://tresor@127.0.0.1:${cluster.port}/other`);
    expect(lines.some((line) => line.includes(`127.0.0.1:${cluster.port}`))).toBe(true);

    const client = await connectClient(cluster.url());
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
       WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'listen_addresses')
       ORDER BY name`,
    );
    expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({
      fsync: 'off',
      full_page_writes: 'off',
      listen_addresses: '127.0.0.1',
      max_connections: '200',
      synchronous_commit: 'off',
    });

    const user = await client.query<{ user: string; superuser: boolean }>(
      'SELECT current_user AS user, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
    );
    expect(user.rows).toEqual([{ user: 'tresor', superuser: true }]);
  });

  it('runs the server as postgres under root', async (context) => {
    if (process.getuid?.() !== 0) {
      context.skip();
    }
    const cluster = await startCluster();

    const data = await stat(join(cluster.folder, 'data'));

    expect(data.uid).not.toBe(0);
  });

  it('keeps databases apart', async () => {
    const cluster = await startCluster();

    const firstUrl = await cluster.createDatabase();
    const secondUrl = await cluster.createDatabase();
    const namedUrl = await cluster.createDatabase('tresor_named');

    expect(firstUrl).not.toBe(secondUrl);
    expect(namedUrl).toBe(cluster.url('tresor_named'));

    const first = await connectClient(firstUrl);
    await first.query('CREATE TABLE secret_version (key text PRIMARY KEY)');
    await first.query("INSERT INTO secret_version (key) VALUES ('DATABASE_PASSWORD')");

    const second = await connectClient(secondUrl);
    const tables = await second.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows).toEqual([]);

    const rows = await first.query('SELECT key FROM secret_version');
    expect(rows.rows).toEqual([{ key: 'DATABASE_PASSWORD' }]);
  });

  it('restart drops connections and keeps data', async () => {
    const cluster = await startCluster();
    const url = await cluster.createDatabase();
    const portBefore = cluster.port;

    const before = await connectClient(url);
    await before.query('CREATE TABLE revision (value integer)');
    await before.query('INSERT INTO revision (value) VALUES (7)');

    await cluster.restart();

    expect(cluster.port).toBe(portBefore);
    await expect(before.query('SELECT 1')).rejects.toThrow();

    const after = await connectClient(url);
    const rows = await after.query('SELECT value FROM revision');
    expect(rows.rows).toEqual([{ value: 7 }]);
  });

  it('stop removes the folder and closes the port', async () => {
    const cluster = await startCluster();
    const { folder, port } = cluster;
    expect(existsSync(folder)).toBe(true);

    await cluster.stop();

    expect(existsSync(folder)).toBe(false);
    expect(await isConnectionRefused(port)).toBe(true);
    await expect(cluster.stop()).resolves.toBeUndefined();
    await expect(cluster.restart()).rejects.toThrow(/after stop\(\)/);
  });
});
