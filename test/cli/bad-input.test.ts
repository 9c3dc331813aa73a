import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createCliUser, createScope, loginOwnerCli, type CliUser } from '../support/cli.js';
import { freePort, startTresorServer, type TresorServer } from '../support/tresor-server.js';

describe('tresor CLI bad input', () => {
  let server: TresorServer;
  let owner: CliUser;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
  });

  afterAll(async () => {
    await owner?.cleanup();
    await server?.stop();
  });

  test('invalid app and module names', async () => {
    const app = await owner.run(['apps', 'create', 'My_App']);
    expect(app.status).toBe(1);
    expect(app.stderr).toContain('Invalid app name "My_App"');

    const scope = await createScope(owner, 'names');
    const module = await owner.run(['modules', 'create', '--app', scope.app, 'bad module']);
    expect(module.status).toBe(1);
    expect(module.stderr).toContain('Invalid module name "bad module"');

    const environment = await owner.run(['envs', 'create', '--app', scope.app, '-dash-first']);
    expect(environment.status).not.toBe(0);
  });

  test('invalid key my-key from stdin', async () => {
    const scope = await createScope(owner, 'key');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'my-key'], { input: 'stdin-value-not-read' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('my-key');
    expect(result.stderr).toContain('environment variable name');
    expect(result.stderr).not.toContain('stdin-value-not-read');
  });

  test('invalid key in KEY=VALUE form', async () => {
    const scope = await createScope(owner, 'assign');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'GOOD=1', 'my-key=argv-value-hidden']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('my-key');
    expect(result.stderr).not.toContain('argv-value-hidden');
    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(JSON.parse(list.stdout).secrets).toEqual([]);
  });

  test('KEY=VALUE form problems', async () => {
    const scope = await createScope(owner, 'forms');

    const emptyKey = await owner.run(['secrets', 'set', ...scope.flags, '=orphan-value']);
    expect(emptyKey.status).toBe(1);
    expect(emptyKey.stderr).toContain('no key before "="');
    expect(emptyKey.stderr).not.toContain('orphan-value');

    const mixed = await owner.run(['secrets', 'set', ...scope.flags, 'A=1', 'B']);
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toContain('"=" is not allowed in a key');
    expect(mixed.stderr).toContain('KEY=VALUE');

    const repeated = await owner.run(['secrets', 'set', ...scope.flags, 'A=1', 'A=2']);
    expect(repeated.status).toBe(2);
    expect(repeated.stderr).toContain('"A" is given more than once');

    const ifVersion = await owner.run(['secrets', 'set', ...scope.flags, 'A=1', 'B=2', '--if-version', '0']);
    expect(ifVersion.status).toBe(2);
    expect(ifVersion.stderr).toContain('--if-version');

    const badNumber = await owner.run(['secrets', 'set', ...scope.flags, 'A=1', '--if-version', 'latest']);
    expect(badNumber.status).toBe(2);
    expect(badNumber.stderr).toContain('Invalid --if-version "latest"');

    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(JSON.parse(list.stdout).secrets).toEqual([]);
  });

  test('value over 64 KiB is rejected', async () => {
    const scope = await createScope(owner, 'large');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'LARGE'], { input: 'x'.repeat(64 * 1024 + 1) });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('LARGE');
    expect(result.stderr).toContain('65537 bytes');
    expect(result.stderr).toContain('64 KiB');
    const get = await owner.run(['secrets', 'get', ...scope.flags, 'LARGE']);
    expect(get.status).toBe(1);
  });

  test('value of exactly 64 KiB is stored', async () => {
    const scope = await createScope(owner, 'limit');
    const value = 'y'.repeat(64 * 1024);

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'AT_LIMIT'], { input: value });

    expect(result.status, result.stderr).toBe(0);
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'AT_LIMIT'])).stdout).toBe(value);
  });

  test('invalid UTF-8 on stdin is rejected', async () => {
    const scope = await createScope(owner, 'utf8');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'BINARY'], { input: Buffer.from([0x61, 0xff, 0x62]) });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not valid UTF-8');
  });

  test('unknown app and unknown key', async () => {
    const scope = await createScope(owner, 'unknown');

    const app = await owner.run(['secrets', 'list', '--app', 'no-such-app', '--env', 'test', '--module', 'api']);
    expect(app.status).toBe(1);
    expect(app.stderr).toContain('not found');

    const environment = await owner.run(['secrets', 'list', '--app', scope.app, '--env', 'nowhere', '--module', 'api']);
    expect(environment.status).toBe(1);
    expect(environment.stderr).toContain('Environment "nowhere" not found');

    const key = await owner.run(['secrets', 'get', ...scope.flags, 'NEVER_SET']);
    expect(key.status).toBe(1);
    expect(key.stderr).toContain('NEVER_SET not found');
    expect(key.stdout).toBe('');
  });

  test('missing --app, --env or --module', async () => {
    const noApp = await owner.run(['secrets', 'list', '--env', 'test', '--module', 'api']);
    expect(noApp.status).toBe(2);
    expect(noApp.stderr).toContain('Missing --app');
    expect(noApp.stderr).toContain('TRESOR_APP');

    const noEnvironment = await owner.run(['secrets', 'list', '--app', 'any', '--module', 'api']);
    expect(noEnvironment.status).toBe(2);
    expect(noEnvironment.stderr).toContain('Missing --env');

    const noModule = await owner.run(['config', 'list', '--app', 'any']);
    expect(noModule.status).toBe(2);
    expect(noModule.stderr).toContain('Missing --module');
  });

  test('unknown option is a usage error', async () => {
    const result = await owner.run(['apps', 'list', '--colour']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--colour');
  });

  test('missing credentials say to log in', async () => {
    const stranger = await createCliUser('nobody@example.com');

    const result = await stranger.run(['apps', 'list']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Not signed in');
    expect(result.stderr).toContain('tresor login');
    await stranger.cleanup();
  });

  test('server down names the server', async () => {
    const user = await createCliUser('down@example.com');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const token = `tsr_pat_${'A'.repeat(43)}`;
    await writeFile(path.join(user.configDir, 'credentials.json'), JSON.stringify({ server: url, token, email: user.email }), { mode: 0o600 });

    const result = await user.run(['apps', 'list']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Failed to reach the Tresor server at ${url}`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('running');
    expect(result.stderr).not.toContain(token);
    await user.cleanup();
  });

  test('wrong password and bad server address', async () => {
    const user = await createCliUser('owner@example.com');

    const wrong = await user.run(['login', '--server', server.url, '--email', user.email], { input: 'not-the-password\n' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('Wrong e-mail or password');
    expect(wrong.stderr).not.toContain('not-the-password');

    const scheme = await user.run(['login', '--server', 'ftp://127.0.0.1', '--email', user.email], { input: 'x\n' });
    expect(scheme.status).toBe(2);
    expect(scheme.stderr).toContain('use http or https');

    const noServer = await user.run(['login', '--email', user.email], { input: 'x\n' });
    expect(noServer.status).toBe(2);
    expect(noServer.stderr).toContain('Missing --server');
    await user.cleanup();
  });

  test('saved token goes only to its server', async () => {
    const port = await freePort();

    const result = await owner.run(['apps', 'list', '--server', `http://127.0.0.1:${port}`]);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('The saved access token is for');
    expect(result.stderr).toContain('TRESOR_ACCESS_TOKEN');
  });
});
