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
    // Stopping right away: the batches still in memory must be written on shutdown.
    await server.stop();

    const store = openStore(database.url);
    try {
      const rows = await store.db.selectFrom('deliveries').select(['revision', 'token_id']).execute();
      expect(rows).toHaveLength(deliveries);
      expect(new Set(rows.map((row) => row.token_id))).toEqual(new Set([created.body.tokenInfo.id]));
      expect(rows.every((row) => row.revision === 1)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
