import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createCliUser, createScope, createServiceToken, initUser, loginCliUser, loginOwnerCli, type CliUser } from '../support/cli.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';

const SECOND_EMAIL = 'second@example.com';
const SECOND_PASSWORD = 'second-password-for-tests';

describe('tresor CLI authorization', () => {
  let server: TresorServer;
  let owner: CliUser;
  let second: CliUser;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    // Created while the server runs: both processes open the same database.
    await initUser(server, SECOND_EMAIL, SECOND_PASSWORD);
    second = await loginCliUser(server, SECOND_EMAIL, SECOND_PASSWORD);
  });

  afterAll(async () => {
    await owner?.cleanup();
    await second?.cleanup();
    await server?.stop();
  });

  test("stranger can't see the owner's app", async () => {
    const scope = await createScope(owner, 'private');
    await owner.run(['secrets', 'set', ...scope.flags, 'DB_PASSWORD'], { input: 'owner-only-value' });

    const apps = await second.run(['apps', 'list', '--json']);
    expect(apps.status, apps.stderr).toBe(0);
    expect(JSON.parse(apps.stdout).apps).toEqual([]);

    for (const args of [
      ['secrets', 'list', ...scope.flags],
      ['secrets', 'get', ...scope.flags, 'DB_PASSWORD'],
      ['secrets', 'export', ...scope.flags, '--format', 'json'],
      ['modules', 'list', '--app', scope.app],
    ]) {
      const result = await second.run(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(`App "${scope.app}" not found`);
      expect(result.stdout, args.join(' ')).toBe('');
    }
  });

  test('viewer lists keys but reads no values', async () => {
    const scope = await createScope(owner, 'viewer');
    const value = 'viewer-must-not-see-this';
    await owner.run(['secrets', 'set', ...scope.flags, 'DB_PASSWORD'], { input: value });

    const grant = await owner.run(['members', 'grant', '--app', scope.app, SECOND_EMAIL, '--role', 'viewer']);
    expect(grant.status, grant.stderr).toBe(0);
    const members = await owner.run(['members', 'list', '--app', scope.app, '--json']);
    expect(JSON.parse(members.stdout).members).toEqual([expect.objectContaining({ email: SECOND_EMAIL, role: 'viewer' })]);

    const list = await second.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).secrets.map((secret: { key: string }) => secret.key)).toEqual(['DB_PASSWORD']);

    for (const args of [
      ['secrets', 'list', ...scope.flags, '--reveal'],
      ['secrets', 'get', ...scope.flags, 'DB_PASSWORD'],
      ['secrets', 'export', ...scope.flags, '--format', 'env'],
    ]) {
      const result = await second.run(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain('is viewer, which does not allow "reveal"');
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).not.toContain(value);
    }

    const write = await second.run(['secrets', 'set', ...scope.flags, 'DB_PASSWORD'], { input: 'overwritten' });
    expect(write.status).toBe(1);
    expect(write.stderr).toContain('does not allow "write"');
  });

  test('developer reads values until revoked', async () => {
    const scope = await createScope(owner, 'developer');
    await owner.run(['secrets', 'set', ...scope.flags, 'API_KEY'], { input: 'shared-with-developer' });
    await owner.run(['members', 'grant', '--app', scope.app, SECOND_EMAIL, '--role', 'developer']);

    const get = await second.run(['secrets', 'get', ...scope.flags, 'API_KEY']);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toBe('shared-with-developer');

    const grant = await second.run(['members', 'grant', '--app', scope.app, 'owner@example.com', '--role', 'admin']);
    expect(grant.status).toBe(1);
    expect(grant.stderr).toContain('does not allow "own"');

    const revoke = await owner.run(['members', 'revoke', '--app', scope.app, SECOND_EMAIL]);
    expect(revoke.status, revoke.stderr).toBe(0);
    const after = await second.run(['secrets', 'get', ...scope.flags, 'API_KEY']);
    expect(after.status).toBe(1);
    expect(after.stderr).toContain('not found');
  });

  test('unknown role is a usage error', async () => {
    const scope = await createScope(owner, 'role');

    const result = await owner.run(['members', 'grant', '--app', scope.app, SECOND_EMAIL, '--role', 'superuser']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('superuser');
  });

  test("service token can't call the person API", async () => {
    const scope = await createScope(owner, 'service');
    const token = await createServiceToken(owner, scope);
    const robot = await createCliUser('robot@example.com');

    const result = await robot.run(['secrets', 'list', ...scope.flags], { env: { TRESOR_SERVER: server.url, TRESOR_ACCESS_TOKEN: token } });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('A service token only fetches its module\'s secrets');
    expect(result.stderr).toContain('tresor login');
    expect(result.stderr).not.toContain(token);
    await robot.cleanup();
  });
});
