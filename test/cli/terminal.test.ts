import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createScope, loginOwnerCli, runInTerminal, type CliUser } from '../support/cli.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';

describe('tresor CLI on a terminal', () => {
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

  test('hidden prompt reads the value without echo', async () => {
    const scope = await createScope(owner, 'prompt');
    const value = 'typed-at-the-prompt';

    const set = await runInTerminal(['secrets', 'set', ...scope.flags, 'TYPED'], {
      env: { TRESOR_CONFIG_DIR: owner.configDir },
      answers: [{ after: 'Value for TYPED: ', type: `${value}\r` }],
    });

    expect(set.status, set.output).toBe(0);
    expect(set.output).toContain('Set TYPED (version 1)');
    expect(set.output).not.toContain(value);
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'TYPED'])).stdout).toBe(value);
  });

  test('get adds a newline on a terminal', async () => {
    const scope = await createScope(owner, 'newline');
    await owner.run(['secrets', 'set', ...scope.flags, 'SHOWN'], { input: 'on-screen' });

    const get = await runInTerminal(['secrets', 'get', ...scope.flags, 'SHOWN'], { env: { TRESOR_CONFIG_DIR: owner.configDir } });

    expect(get.status, get.output).toBe(0);
    expect(get.output).toBe('on-screen\r\n');
  });

  test('delete asks and honours the answer', async () => {
    const scope = await createScope(owner, 'confirm');
    await owner.run(['secrets', 'set', ...scope.flags, 'DOOMED'], { input: 'short-lived' });
    const env = { TRESOR_CONFIG_DIR: owner.configDir };

    const declined = await runInTerminal(['secrets', 'delete', ...scope.flags, 'DOOMED'], { env, answers: [{ after: '[y/N] ', type: 'n\r' }] });
    expect(declined.status, declined.output).toBe(0);
    expect(declined.output).toContain('Kept DOOMED');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'DOOMED'])).stdout).toBe('short-lived');

    const confirmed = await runInTerminal(['secrets', 'delete', ...scope.flags, 'DOOMED'], { env, answers: [{ after: '[y/N] ', type: 'y\r' }] });
    expect(confirmed.status, confirmed.output).toBe(0);
    expect(confirmed.output).toContain('Deleted DOOMED');
    expect((await owner.run(['secrets', 'get', ...scope.flags, 'DOOMED'])).status).toBe(1);
  });
});
