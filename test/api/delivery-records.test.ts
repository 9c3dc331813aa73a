import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { openStore } from '../../src/store/database.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';
import { api, loginOwner, startTresorServer } from '../support/tresor-server.js';

describe.skipIf(!isTestDatabaseAvailable())('delivery records', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabaseUrl();
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  test('every delivery is recorded by shutdown', async () => {
    const server = await startTresorServer({ databaseUrl: database.url });
    const owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'records' });
    await api(server.url, owner, 'POST', '/apps/records/environments', { name: 'prod' });
    await api(server.url, owner, 'POST', '/apps/records/modules', { name: 'api' });
    await api(server.url, owner, 'PUT', '/apps/records/environments/prod/modules/api/secrets/KEY', { value: 'v' });
    const created = await api(server.url, owner, 'POST', '/apps/records/environments/prod/modules/api/tokens', {});

    const deliveries = 250;
    for (let index = 0; index < deliveries; index += 1) {
      const response = await api(server.url, created.body.token, 'GET', '/delivery');
      expect(response.status).toBe(200);
    }
    // A write moves the module to revision 2: the deliveries after it start a row of their own.
    await api(server.url, owner, 'PUT', '/apps/records/environments/prod/modules/api/secrets/KEY', { value: 'w' });
    const afterWrite = 7;
    for (let index = 0; index < afterWrite; index += 1) {
      expect((await api(server.url, created.body.token, 'GET', '/delivery')).status).toBe(200);
    }
    // Stopping right away: the rows still in memory must be written on shutdown.
    await server.stop();

    const store = openStore(database.url);
    try {
      const rows = await store.db.selectFrom('deliveries').select(['revision', 'token_id', 'count']).execute();
      expect(new Set(rows.map((row) => row.token_id))).toEqual(new Set([created.body.tokenInfo.id]));
      const countAt = (revision: number) => rows.filter((row) => row.revision === revision).reduce((sum, row) => sum + Number(row.count), 0);
      expect(countAt(1)).toBe(deliveries);
      expect(countAt(2)).toBe(afterWrite);
      // Counted, not one row per request: the 257 deliveries fit in a few windows of a second.
      expect(rows.length).toBeLessThan(20);
    } finally {
      await store.close();
    }
  });
});
