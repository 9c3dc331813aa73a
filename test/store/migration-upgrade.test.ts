import { Migrator, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import * as initial from '../../src/store/migrations/0001-initial.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';

// A database made by an older release must keep its rows when a newer one migrates it.

describe.skipIf(!isTestDatabaseAvailable())('migration upgrade', () => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabaseUrl();
    store = openStore(database.url);
  });

  afterEach(async () => {
    await store.close();
    await database.cleanup();
  });

  test('older deliveries count once', async () => {
    const db = store.db as unknown as Kysely<any>;
    const onlyInitial = new Migrator({ db, provider: { getMigrations: async () => ({ '0001-initial': initial }) } });
    expect((await onlyInitial.migrateToLatest()).error).toBeUndefined();
    await insertOneDelivery(db);

    const report = await migrateToLatest(store.db);

    expect(report.applied).toEqual(['0002-delivery-counts']);
    const rows = await store.db.selectFrom('deliveries').select(['id', 'count']).execute();
    expect(rows).toEqual([{ id: 'delivery-1', count: 1 }]);
  });
});

/** Inserts a delivery and the rows it depends on, as release 0001 wrote them. */
async function insertOneDelivery(db: Kysely<any>): Promise<void> {
  const at = '2026-01-01T00:00:00.000Z';
  await db.insertInto('users').values({ id: 'user-1', email: 'owner@example.com', password_hash: 'not-a-real-hash', created_at: at }).execute();
  await db.insertInto('apps').values({ id: 'app-1', name: 'shop', owner_id: 'user-1', created_at: at }).execute();
  await db.insertInto('environments').values({ id: 'env-1', app_id: 'app-1', name: 'prod', created_at: at }).execute();
  await db.insertInto('modules').values({ id: 'module-1', app_id: 'app-1', name: 'api', created_at: at }).execute();
  await db
    .insertInto('service_tokens')
    .values({ id: 'token-1', app_id: 'app-1', environment_id: 'env-1', module_id: 'module-1', name: 'api', token_hash: 'hash-1', hint: 'tsr_svc_…abcd', created_by: 'user-1', created_at: at, revoked_at: null })
    .execute();
  await db
    .insertInto('deliveries')
    .values({ id: 'delivery-1', token_id: 'token-1', app_id: 'app-1', environment_id: 'env-1', module_id: 'module-1', revision: 1, address: '10.0.0.1', created_at: at })
    .execute();
}
