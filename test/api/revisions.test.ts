import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { api, loginOwner, startTresorServer, type TresorServer } from '../support/tresor-server.js';

// A scope's revision moves by one for each write that changes it, and not at all for a
// write that changes nothing, so a deployment is stale exactly when a value changed.

describe.skipIf(!isTestDatabaseAvailable())('scope revisions', () => {
  let server: TresorServer;
  let owner: string;
  const secrets = '/apps/ledger/environments/production/modules/api/secrets';

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'ledger' });
    await api(server.url, owner, 'POST', '/apps/ledger/environments', { name: 'production' });
    await api(server.url, owner, 'POST', '/apps/ledger/modules', { name: 'api' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('revision per kind of write', async () => {
    const first = await api(server.url, owner, 'PUT', `${secrets}/ALPHA`, { value: 'a-1' });
    expect(first.status).toBe(200);
    expect(first.body.revision).toBe(1);

    const same = await api(server.url, owner, 'PUT', `${secrets}/ALPHA`, { value: 'a-1' });
    expect(same.status).toBe(200);
    expect(same.body.revision).toBe(1);
    expect(same.body.changed).toEqual([]);
    expect(same.body.unchanged).toEqual(['ALPHA']);

    const batch = await api(server.url, owner, 'POST', secrets, {
      secrets: [
        { key: 'ALPHA', value: 'a-1' },
        { key: 'BETA', value: 'b-1' },
        { key: 'GAMMA', value: 'c-1' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.revision).toBe(2);
    expect(batch.body.unchanged).toEqual(['ALPHA']);

    const conflict = await api(server.url, owner, 'PUT', `${secrets}/BETA`, { value: 'b-2', ifVersion: 7 });
    expect(conflict.status).toBe(409);

    const deleted = await api(server.url, owner, 'DELETE', `${secrets}/GAMMA`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.revision).toBe(3);

    const missing = await api(server.url, owner, 'DELETE', `${secrets}/GAMMA`);
    expect(missing.status).toBe(404);

    const listed = await api(server.url, owner, 'GET', secrets);
    expect(listed.body.revision).toBe(3);
  });
});
