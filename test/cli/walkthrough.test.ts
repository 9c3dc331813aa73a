import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createScope, loginOwnerCli, type CliUser } from '../support/cli.js';
import { OWNER_EMAIL, startTresorServer, type TresorServer } from '../support/tresor-server.js';

// Newlines, both quote characters, "$", "=", a backslash and non-ASCII text: every byte
// must come back from `secrets get` exactly.
const NASTY_VALUE = 'first line\nsecond "double" \'single\' $HOME ${PATH} a=b \\n ünïcødé 🔑\n\nlast';

describe('tresor CLI walk-through', () => {
  let server: TresorServer;
  let owner: CliUser;
  let workDir: string;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-walkthrough-'));
  });

  afterAll(async () => {
    await owner?.cleanup();
    await server?.stop();
    if (workDir !== undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  test('login saves credentials with mode 0600', async () => {
    const file = path.join(owner.configDir, 'credentials.json');

    expect(statSync(file).mode & 0o777).toBe(0o600);
    const whoami = await owner.run(['whoami', '--json']);
    expect(whoami.status, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toEqual({ email: OWNER_EMAIL, server: server.url });
  });

  test('apps, envs and modules create and list', async () => {
    const app = `walk-${process.pid}`;

    const created = await owner.run(['apps', 'create', app, '--json']);
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: app, role: 'owner', owner: OWNER_EMAIL });
    expect(created.stderr).toContain(`Created app ${app}`);

    for (const [group, name] of [
      ['envs', 'production'],
      ['envs', 'staging'],
      ['modules', 'api'],
    ]) {
      const result = await owner.run([group!, 'create', '--app', app, name!]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
    }

    const apps = await owner.run(['apps', 'list', '--json']);
    expect(JSON.parse(apps.stdout).apps.map((entry: { name: string }) => entry.name)).toContain(app);
    const environments = await owner.run(['envs', 'list', '--app', app, '--json']);
    expect(JSON.parse(environments.stdout).environments.map((entry: { name: string }) => entry.name)).toEqual(['production', 'staging']);
    const modules = await owner.run(['modules', 'list', '--app', app, '--json']);
    expect(JSON.parse(modules.stdout).modules.map((entry: { name: string }) => entry.name)).toEqual(['api']);

    const table = await owner.run(['modules', 'list', '--app', app]);
    expect(table.stdout).toMatch(/^NAME +CREATED\napi +\S+\n$/);
  });

  test('config set, get, list and delete', async () => {
    const scope = await createScope(owner, 'config');
    const moduleFlags = ['--app', scope.app, '--module', scope.module];

    const plain = await owner.run(['config', 'set', ...moduleFlags, 'LOG_LEVEL', 'debug']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('Warning');

    const secretLooking = await owner.run(['config', 'set', ...moduleFlags, 'DB_PASSWORD=correct-horse-battery']);
    expect(secretLooking.status, secretLooking.stderr).toBe(0);
    expect(secretLooking.stderr).toContain('Warning: the name DB_PASSWORD suggests a secret');
    expect(secretLooking.stderr).toContain('tresor secrets set');
    expect(secretLooking.stdout).toBe('');

    const get = await owner.run(['config', 'get', ...moduleFlags, 'LOG_LEVEL']);
    expect(get.stdout).toBe('debug');

    const list = await owner.run(['config', 'list', ...moduleFlags, '--json']);
    expect(JSON.parse(list.stdout).config.map((entry: { key: string; value: string }) => [entry.key, entry.value])).toEqual([
      ['DB_PASSWORD', 'correct-horse-battery'],
      ['LOG_LEVEL', 'debug'],
    ]);

    const deleted = await owner.run(['config', 'delete', ...moduleFlags, 'DB_PASSWORD']);
    expect(deleted.status, deleted.stderr).toBe(0);
    const missing = await owner.run(['config', 'get', ...moduleFlags, 'DB_PASSWORD']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  test('secret from stdin round-trips byte for byte', async () => {
    const scope = await createScope(owner, 'stdin');

    const set = await owner.run(['secrets', 'set', ...scope.flags, 'NASTY'], { input: NASTY_VALUE });
    expect(set.status, set.stderr).toBe(0);
    expect(set.stderr).toContain('Set NASTY (version 1)');
    expect(set.stdout).toBe('');

    const get = await owner.run(['secrets', 'get', ...scope.flags, 'NASTY']);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdoutBytes.equals(Buffer.from(NASTY_VALUE, 'utf8'))).toBe(true);
  });

  test('secret from stdin loses one final newline', async () => {
    const scope = await createScope(owner, 'newline');

    await owner.run(['secrets', 'set', ...scope.flags, 'SINGLE'], { input: 'one line\n' });
    await owner.run(['secrets', 'set', ...scope.flags, 'MULTI'], { input: 'line 1\nline 2\n' });

    expect((await owner.run(['secrets', 'get', ...scope.flags, 'SINGLE'])).stdout).toBe('one line');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'MULTI'])).stdout).toBe('line 1\nline 2\n');
  });

  test('KEY=VALUE arguments set several secrets', async () => {
    const scope = await createScope(owner, 'argv');

    const set = await owner.run(['secrets', 'set', ...scope.flags, 'API_URL=https://api.example.internal/?a=b', 'EMPTY=']);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stderr).toContain('shell history');
    expect(set.stderr).toContain('Set API_URL (version 1)');
    expect(set.stderr).toContain('Set EMPTY (version 1)');

    expect((await owner.run(['secrets', 'get', ...scope.flags, 'API_URL'])).stdout).toBe('https://api.example.internal/?a=b');
    const empty = await owner.run(['secrets', 'get', ...scope.flags, 'EMPTY']);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toBe('');
  });

  test('list masks values unless --reveal', async () => {
    const scope = await createScope(owner, 'mask');
    const value = `masked-${process.pid}-value`;
    await owner.run(['secrets', 'set', ...scope.flags, 'DB_PASSWORD'], { input: value });

    const masked = await owner.run(['secrets', 'list', ...scope.flags]);
    expect(masked.status, masked.stderr).toBe(0);
    expect(masked.stdout).toContain('DB_PASSWORD');
    expect(masked.stdout).toContain('********');
    expect(masked.stdout).not.toContain(value);

    const maskedJson = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(maskedJson.stdout).not.toContain(value);
    expect(JSON.parse(maskedJson.stdout).secrets).toEqual([expect.objectContaining({ key: 'DB_PASSWORD', version: 1 })]);

    const revealed = await owner.run(['secrets', 'list', ...scope.flags, '--reveal']);
    expect(revealed.stdout).toContain(value);
    const revealedJson = await owner.run(['secrets', 'list', ...scope.flags, '--reveal', '--json']);
    expect(JSON.parse(revealedJson.stdout).secrets[0].value).toBe(value);
  });

  test('history, rollback and delete', async () => {
    const scope = await createScope(owner, 'history');
    await owner.run(['secrets', 'set', ...scope.flags, 'TOKEN'], { input: 'first' });
    await owner.run(['secrets', 'set', ...scope.flags, 'TOKEN'], { input: 'second' });

    const history = await owner.run(['secrets', 'history', ...scope.flags, 'TOKEN', '--json']);
    expect(JSON.parse(history.stdout).versions.map((entry: { version: number }) => entry.version)).toEqual([2, 1]);

    const rollback = await owner.run(['secrets', 'rollback', ...scope.flags, 'TOKEN', '--to-version', '1']);
    expect(rollback.status, rollback.stderr).toBe(0);
    expect(rollback.stderr).toContain('now version 3');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'TOKEN'])).stdout).toBe('first');

    const unconfirmed = await owner.run(['secrets', 'delete', ...scope.flags, 'TOKEN']);
    expect(unconfirmed.status).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'TOKEN'])).stdout).toBe('first');

    const deleted = await owner.run(['secrets', 'delete', ...scope.flags, 'TOKEN', '--yes']);
    expect(deleted.status, deleted.stderr).toBe(0);
    const gone = await owner.run(['secrets', 'get', ...scope.flags, 'TOKEN']);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('not found');
    const afterDelete = await owner.run(['secrets', 'history', ...scope.flags, 'TOKEN', '--json']);
    expect(JSON.parse(afterDelete.stdout).versions[0]).toMatchObject({ version: 4, deleted: true });
  });

  test('--if-version conflict exits 1', async () => {
    const scope = await createScope(owner, 'cas');
    await owner.run(['secrets', 'set', ...scope.flags, 'COUNTER'], { input: 'one' });
    await owner.run(['secrets', 'set', ...scope.flags, 'COUNTER'], { input: 'two' });

    const stale = await owner.run(['secrets', 'set', ...scope.flags, 'COUNTER', '--if-version', '1'], { input: 'three' });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('COUNTER is at version 2, not 1');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'COUNTER'])).stdout).toBe('two');

    const current = await owner.run(['secrets', 'set', ...scope.flags, 'COUNTER', '--if-version', '2'], { input: 'three' });
    expect(current.status, current.stderr).toBe(0);
    expect(current.stderr).toContain('Set COUNTER (version 3)');
  });

  test('tokens create, list, run and revoke', async () => {
    const scope = await createScope(owner, 'tokens');
    await owner.run(['secrets', 'set', ...scope.flags, 'GREETING'], { input: 'hello from tresor' });

    const created = await owner.run(['tokens', 'create', ...scope.flags, '--name', 'ci-runner']);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^tsr_svc_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();
    expect(created.stderr).toContain(`TRESOR_SERVER=${server.url} tresor run -- COMMAND`);
    expect(created.stderr).not.toContain(token);

    const list = await owner.run(['tokens', 'list', '--app', scope.app, '--json']);
    const tokens = JSON.parse(list.stdout).tokens as Array<{ id: string; name: string; hint: string }>;
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.name).toBe('ci-runner');
    expect(token.startsWith(tokens[0]!.hint.replace('…', ''))).toBe(true);
    expect(list.stdout).not.toContain(token);

    const runEnv = { TRESOR_TOKEN: token, TRESOR_SERVER: server.url };
    const run = await owner.run(['run', '--', process.execPath, '-e', 'process.stdout.write(process.env.GREETING)'], { env: runEnv });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('hello from tresor');

    const revoke = await owner.run(['tokens', 'revoke', '--app', scope.app, tokens[0]!.id]);
    expect(revoke.status, revoke.stderr).toBe(0);
    const listed = await owner.run(['tokens', 'list', '--app', scope.app]);
    expect(listed.stdout.split('\n').find((line) => line.includes('ci-runner'))).toMatch(/ revoked /);

    const marker = path.join(workDir, 'child-ran');
    const refused = await owner.run(['run', '--', process.execPath, '-e', 'require("node:fs").writeFileSync(process.argv[1], "ran")', marker], { env: runEnv });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('the token is invalid or revoked');
    expect(refused.stderr).not.toContain(token);
    expect(existsSync(marker)).toBe(false);
  });

  test('scope flags default from TRESOR_*', async () => {
    const scope = await createScope(owner, 'defaults');
    const env = { TRESOR_APP: scope.app, TRESOR_ENV: scope.environment, TRESOR_MODULE: scope.module };

    const set = await owner.run(['secrets', 'set', 'FROM_ENV'], { env, input: 'defaults work' });
    expect(set.status, set.stderr).toBe(0);
    const get = await owner.run(['secrets', 'get', 'FROM_ENV'], { env });
    expect(get.stdout).toBe('defaults work');
  });

  test('audit lists events without values', async () => {
    const scope = await createScope(owner, 'audit');
    const value = `audited-${process.pid}`;
    await owner.run(['secrets', 'set', ...scope.flags, 'AUDITED'], { input: value });
    await owner.run(['secrets', 'get', ...scope.flags, 'AUDITED']);

    const audit = await owner.run(['audit', '--app', scope.app, '--limit', '10', '--json']);
    expect(audit.status, audit.stderr).toBe(0);
    const actions = (JSON.parse(audit.stdout).events as Array<{ action: string; target: string }>).map((event) => `${event.action} ${event.target}`);
    expect(actions).toContain('secret.set AUDITED');
    expect(actions).toContain('secret.reveal AUDITED');
    expect(audit.stdout).not.toContain(value);
  });

  test('logout revokes the token and deletes the file', async () => {
    const user = await loginOwnerCli(server);
    const file = path.join(user.configDir, 'credentials.json');
    const { token } = JSON.parse(await readFile(file, 'utf8')) as { token: string };

    const logout = await user.run(['logout']);
    expect(logout.status, logout.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);

    const reused = await user.run(['whoami'], { env: { TRESOR_SERVER: server.url, TRESOR_ACCESS_TOKEN: token } });
    expect(reused.status).toBe(1);
    expect(reused.stderr).toContain('invalid, expired or revoked');
    await user.cleanup();
  });
});
