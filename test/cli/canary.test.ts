import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createScope, createServiceToken, initUser, loginCliUser, loginOwnerCli, type CliResult, type CliRunOptions, type CliUser } from '../support/cli.js';
import { api, startTresorServer, type TresorServer } from '../support/tresor-server.js';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;

// The forms the canary could leak in: as text, and base64 of that text.
const CANARY_FORMS = [CANARY, Buffer.from(CANARY, 'utf8').toString('base64')];

const VIEWER_EMAIL = 'viewer@example.com';
const VIEWER_PASSWORD = 'viewer-password-for-tests';

function containsCanary(text: string | Buffer): boolean {
  const haystack = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return CANARY_FORMS.some((form) => haystack.includes(Buffer.from(form, 'utf8')));
}

/** Reads every row of every table of a PostgreSQL database as JSON text. */
async function dumpPostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    const parts: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      parts.push(...rows.rows.map((row) => row.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

async function countCiphertexts(url: string): Promise<number> {
  if (url.startsWith('sqlite:')) {
    const database = new SqliteDatabase(url.slice('sqlite:'.length), { readonly: true });
    try {
      const row = database.prepare('SELECT count(*) AS count FROM secret_versions WHERE ciphertext IS NOT NULL').get() as { count: number };
      return row.count;
    } finally {
      database.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>('SELECT count(*) AS count FROM secret_versions WHERE ciphertext IS NOT NULL');
    return Number(result.rows[0]!.count);
  } finally {
    await client.end();
  }
}

describe('secret values never leak', () => {
  let server: TresorServer;
  let owner: CliUser;
  let viewer: CliUser;
  let workDir: string;
  // Every CLI run of the file, for the final check of stderr.
  const runs: Array<{ args: readonly string[]; result: CliResult }> = [];

  async function run(user: CliUser, args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
    const result = await user.run(args, options);
    runs.push({ args, result });
    return result;
  }

  /** Checks the database files (or rows) and the server log for the canary, and that ciphertexts exist. */
  async function expectCanaryNotAtRest(): Promise<void> {
    expect(await countCiphertexts(server.databaseUrl)).toBeGreaterThan(0);

    if (server.databaseUrl.startsWith('sqlite:')) {
      const file = server.databaseUrl.slice('sqlite:'.length);
      expect(containsCanary(readFileSync(file)), file).toBe(false);
      if (existsSync(`${file}-wal`)) {
        expect(containsCanary(readFileSync(`${file}-wal`)), `${file}-wal`).toBe(false);
      }
    } else {
      expect(containsCanary(await dumpPostgres(server.databaseUrl))).toBe(false);
    }

    const log = readFileSync(server.logFile);
    expect(log.length).toBeGreaterThan(0);
    expect(containsCanary(log), server.logFile).toBe(false);
  }

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    await initUser(server, VIEWER_EMAIL, VIEWER_PASSWORD);
    viewer = await loginCliUser(server, VIEWER_EMAIL, VIEWER_PASSWORD);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-canary-'));
  });

  afterAll(async () => {
    await owner?.cleanup();
    await viewer?.cleanup();
    await server?.stop();
    if (workDir !== undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  test('canary reaches only stdout that asked for it', async () => {
    const scope = await createScope(owner, 'canary');
    const flags = scope.flags;

    // Writes that succeed: stdin, argv, an import file, and a rollback to the canary.
    expect((await run(owner, ['secrets', 'set', ...flags, 'FROM_STDIN'], { input: `${CANARY}\n` })).status).toBe(0);
    expect((await run(owner, ['secrets', 'set', ...flags, `FROM_ARGV=${CANARY}`])).status).toBe(0);
    const envFile = path.join(workDir, 'canary.env');
    await writeFile(envFile, `FROM_IMPORT="${CANARY}"\nMULTI_LINE="first\n${CANARY}"\n`);
    expect((await run(owner, ['secrets', 'import', ...flags, envFile])).status).toBe(0);
    await run(owner, ['secrets', 'set', ...flags, 'ROLLED_BACK'], { input: CANARY });
    await run(owner, ['secrets', 'set', ...flags, 'ROLLED_BACK'], { input: 'replaced' });
    expect((await run(owner, ['secrets', 'rollback', ...flags, 'ROLLED_BACK', '--to-version', '1'])).status).toBe(0);

    // Writes that fail, each for another reason.
    const failures = [
      await run(owner, ['secrets', 'set', ...flags, 'FROM_STDIN', '--if-version', '7'], { input: CANARY }),
      await run(owner, ['secrets', 'set', ...flags, `bad-key=${CANARY}`]),
      await run(owner, ['secrets', 'set', ...flags, 'TOO_LARGE'], { input: `${CANARY}${'x'.repeat(70_000)}` }),
      await run(viewer, ['secrets', 'set', ...flags, 'FROM_VIEWER'], { input: CANARY }),
      await run(owner, ['secrets', 'set', '--app', 'no-such-app', '--env', 'test', '--module', 'api', 'LOST'], { input: CANARY }),
    ];
    const badImport = path.join(workDir, 'bad.json');
    await writeFile(badImport, JSON.stringify({ GOOD: CANARY, 'bad-name': CANARY, LARGE: `${CANARY}${'y'.repeat(70_000)}` }));
    failures.push(await run(owner, ['secrets', 'import', ...flags, badImport]));
    const largeImport = path.join(workDir, 'large.json');
    await writeFile(largeImport, JSON.stringify({ LARGE: `${CANARY}${'z'.repeat(70_000)}` }));
    failures.push(await run(owner, ['secrets', 'import', ...flags, largeImport]));
    failures.push(await run(owner, ['secrets', 'export', ...flags, '--format', 'docker']));
    failures.push(await run(viewer, ['secrets', 'get', ...flags, 'FROM_STDIN']));
    for (const failure of failures) {
      expect(failure.status).not.toBe(0);
    }

    // Reads that must not print the value.
    for (const args of [
      ['secrets', 'list', ...flags],
      ['secrets', 'list', ...flags, '--json'],
      ['secrets', 'history', ...flags, 'ROLLED_BACK', '--json'],
      ['audit', '--app', scope.app, '--limit', '1000', '--json'],
    ]) {
      const result = await run(owner, args);
      expect(result.status, result.stderr).toBe(0);
      expect(containsCanary(result.stdout), args.join(' ')).toBe(false);
    }

    // Reads that print it on stdout, as asked.
    expect((await run(owner, ['secrets', 'get', ...flags, 'ROLLED_BACK'])).stdout).toBe(CANARY);
    for (const format of ['env', 'json', 'yaml', 'k8s']) {
      const exported = await run(owner, ['secrets', 'export', ...flags, '--format', format]);
      expect(exported.status, exported.stderr).toBe(0);
      expect(containsCanary(exported.stdout)).toBe(true);
    }
    const token = await createServiceToken(owner, scope);
    const delivered = await run(owner, ['run', '--verbose', '--', process.execPath, '-e', 'process.stdout.write(process.env.FROM_IMPORT)'], {
      env: { TRESOR_TOKEN: token, TRESOR_SERVER: server.url, FROM_IMPORT: 'inherited' },
    });
    expect(delivered.stdout).toBe(CANARY);

    // No command wrote the canary to stderr.
    for (const { args, result } of runs) {
      expect(containsCanary(result.stderr), `stderr of tresor ${args.join(' ')}`).toBe(false);
    }
    await expectCanaryNotAtRest();
  });

  test('error bodies never echo a value', async () => {
    const scope = await createScope(owner, 'bodies');
    const token = owner.session!.token;
    const base = `/apps/${scope.app}/environments/${scope.environment}/modules/${scope.module}/secrets`;

    const responses = [
      await api(server.url, token, 'PUT', `${base}/bad-key`, { value: CANARY }),
      await api(server.url, token, 'PUT', `${base}/TOO_LARGE`, { value: `${CANARY}${'x'.repeat(70_000)}` }),
      await api(server.url, token, 'POST', base, { secrets: [{ key: 'bad-key', value: CANARY }, { key: 'OK', value: CANARY, unexpected: CANARY }] }),
      await api(server.url, token, 'PUT', `${base}/WRONG_TYPE`, { value: 42, extra: CANARY }),
      await api(server.url, null, 'PUT', `${base}/NO_TOKEN`, { value: CANARY }),
    ];
    const malformed = await fetch(`${server.url}/api/v1${base}/MALFORMED`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: `{"value":"${CANARY}`,
    });
    const malformedText = await malformed.text();

    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(containsCanary(response.text), response.text).toBe(false);
    }
    expect(malformed.status).toBe(400);
    expect(containsCanary(malformedText), malformedText).toBe(false);
    await api(server.url, token, 'PUT', `${base}/STORED`, { value: CANARY });
    await expectCanaryNotAtRest();
  });
});
