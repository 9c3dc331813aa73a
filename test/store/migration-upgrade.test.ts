import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Migrator, type Kysely } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';

import { Keyring } from '../../src/crypto/keyring.js';
import { parseRootKey } from '../../src/crypto/root-key-text.js';
import { createBackup } from '../../src/store/backup/create-backup.js';
import { restoreBackup } from '../../src/store/backup/restore-backup.js';
import { openStore, type Store } from '../../src/store/database.js';
import * as initial from '../../src/store/migrations/0001-initial.js';
import { appliedMigrations, MIGRATION_NAMES, migrateToLatest } from '../../src/store/migrator.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable } from '../support/test-database.js';
import { randomRootKey } from './support/runtime.js';

// A database or a backup made by an older release must keep its rows when a newer one
// migrates or restores it.

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function newStore(): Promise<Store> {
  const database = await createTestDatabaseUrl();
  const store = openStore(database.url);
  cleanups.push(async () => {
    await store.close();
    await database.cleanup();
  });
  return store;
}

/** Opens a store migrated only as far as the first release did, holding one delivery. */
async function storeOfFirstRelease(): Promise<Store> {
  const store = await newStore();
  const db = store.db as unknown as Kysely<any>;
  const onlyInitial = new Migrator({ db, provider: { getMigrations: async () => ({ '0001-initial': initial }) } });
  expect((await onlyInitial.migrateToLatest()).error).toBeUndefined();
  await insertOneDelivery(db);
  return store;
}

async function backupFile(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'tresor-upgrade-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return path.join(folder, 'tresor.backup');
}

describe.skipIf(!isTestDatabaseAvailable())('migration upgrade', () => {
  test('older deliveries count once', async () => {
    const store = await storeOfFirstRelease();

    const report = await migrateToLatest(store.db);

    expect(report.applied).toEqual(['0002-delivery-counts']);
    const rows = await store.db.selectFrom('deliveries').select(['id', 'count']).execute();
    expect(rows).toEqual([{ id: 'delivery-1', count: 1 }]);
  });

  test('older backup restores and upgrades', async () => {
    const keyring = new Keyring([parseRootKey(randomRootKey(), 'test root key')]);
    const file = await backupFile();
    await createBackup(await storeOfFirstRelease(), keyring, file);
    const target = await newStore();

    const summary = await restoreBackup(target, keyring, file);

    expect(summary.rowCounts['deliveries']).toBe(1);
    expect(await appliedMigrations(target.db)).toEqual([...MIGRATION_NAMES]);
    const rows = await target.db.selectFrom('deliveries').select(['id', 'count']).execute();
    expect(rows).toEqual([{ id: 'delivery-1', count: 1 }]);
  });

  test('restore leaves a used older database unmigrated', async () => {
    const keyring = new Keyring([parseRootKey(randomRootKey(), 'test root key')]);
    const file = await backupFile();
    const current = await newStore();
    await migrateToLatest(current.db);
    await createBackup(current, keyring, file);
    const inUse = await storeOfFirstRelease();

    await expect(restoreBackup(inUse, keyring, file)).rejects.toThrow(/table users already has rows/);
    expect(await appliedMigrations(inUse.db)).toEqual(['0001-initial']);
  });

  test('restore rejects a database migrated past the backup', async () => {
    const keyring = new Keyring([parseRootKey(randomRootKey(), 'test root key')]);
    const file = await backupFile();
    await createBackup(await storeOfFirstRelease(), keyring, file);
    const target = await newStore();
    await migrateToLatest(target.db);

    await expect(restoreBackup(target, keyring, file)).rejects.toThrow(/has migrations the backup predates \(0002-delivery-counts\)\. Restore into a new, empty database/);
    expect(await appliedMigrations(target.db)).toEqual([...MIGRATION_NAMES]);
  });
});

/** Inserts a delivery and the rows it depends on, as the first release wrote them. */
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
