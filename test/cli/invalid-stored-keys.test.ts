import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createScope, loginOwnerCli, type CliUser, type TestScope } from '../support/cli.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';
import { renameStoredSecret } from './helpers/rename-stored-secret.js';

// Keys that writes reject, planted directly in the database.
const INVALID_KEYS = ['my-key', 'BAD=X', 'line\nbreak'];

describe('tresor secrets with an invalid stored key', () => {
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

  async function plant(prefix: string, key: string, value: string): Promise<TestScope> {
    const scope = await createScope(owner, prefix);
    const set = await owner.run(['secrets', 'set', ...scope.flags, 'PLANTED'], { input: value });
    expect(set.status, set.stderr).toBe(0);
    await renameStoredSecret(server, scope, 'PLANTED', key);
    return scope;
  }

  async function storedKeys(scope: TestScope): Promise<string[]> {
    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(list.status, list.stderr).toBe(0);
    return (JSON.parse(list.stdout) as { secrets: Array<{ key: string }> }).secrets.map((secret) => secret.key);
  }

  test.each(INVALID_KEYS)('get, history and delete %j', async (key) => {
    const scope = await plant('stored-key', key, 'planted-value');
    expect(await storedKeys(scope)).toEqual([key]);

    const get = await owner.run(['secrets', 'get', ...scope.flags, key]);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toBe('planted-value');

    const history = await owner.run(['secrets', 'history', ...scope.flags, key, '--json']);
    expect(history.status, history.stderr).toBe(0);
    expect((JSON.parse(history.stdout) as { versions: Array<{ version: number }> }).versions.map((entry) => entry.version)).toEqual([1]);

    const deleted = await owner.run(['secrets', 'delete', ...scope.flags, key, '--yes']);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain('Deleted');
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('messages escape a stored key', async () => {
    const key = 'line\nbreak';
    const scope = await plant('escaped-key', key, 'planted-value');

    const deleted = await owner.run(['secrets', 'delete', ...scope.flags, key, '--yes']);
    const missing = await owner.run(['secrets', 'get', ...scope.flags, key]);

    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain('Deleted line\\nbreak (version 2');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('Secret line\\nbreak not found');
  });

  test('writes still reject an invalid key', async () => {
    const scope = await plant('write-key', 'my-key', 'planted-value');

    const set = await owner.run(['secrets', 'set', ...scope.flags, 'my-key'], { input: 'new-value' });
    const get = await owner.run(['secrets', 'get', ...scope.flags, 'my-key']);

    expect(set.status).toBe(1);
    expect(set.stderr).toContain('Invalid key "my-key"');
    expect(get.stdout).toBe('planted-value');
  });
});
