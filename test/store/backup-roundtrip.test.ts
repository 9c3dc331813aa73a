import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, onTestFinished, test } from 'vitest';

import { Keyring } from '../../src/crypto/keyring.js';
import { parseRootKey } from '../../src/crypto/root-key-text.js';
import { BackupReader } from '../../src/store/backup/backup-file.js';
import { BACKUP_TABLES } from '../../src/store/backup/backup-tables.js';
import { createBackup } from '../../src/store/backup/create-backup.js';
import { restoreBackup } from '../../src/store/backup/restore-backup.js';
import { openStore } from '../../src/store/database.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';
import { APP, CANARY_VALUE, dumpTables, openTestRuntime, randomRootKey, revealEverything, seedData } from './support/runtime.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function testDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabaseUrl();
  cleanups.push(() => database.cleanup());
  return database;
}

async function backupPath(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'tresor-backup-file-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return path.join(folder, 'tresor.backup');
}

/** Opens a runtime on a new database, seeded with one of everything, and its root key's keyring. */
async function seededSource() {
  const rootKey = randomRootKey();
  const keyring = new Keyring([parseRootKey(rootKey, 'test root key')]);
  const source = await openTestRuntime((await testDatabase()).url, rootKey);
  cleanups.push(source.close);
  const seeded = await seedData(source.runtime);
  return { rootKey, keyring, source, seeded };
}

describe.skipIf(!isTestDatabaseAvailable())('backup and restore', () => {
  test('round trip keeps every row', async () => {
    const { rootKey, keyring, source, seeded } = await seededSource();
    const revealedBefore = await revealEverything(source.runtime, seeded.owner);
    const file = await backupPath();

    const summary = await createBackup(source.runtime.store, keyring, file);
    const sourceRows = await dumpTables(source.runtime.store.db);
    const targetDatabase = await testDatabase();
    const targetStore = openStore(targetDatabase.url);
    const restored = await restoreBackup(targetStore, keyring, file);
    const targetRows = await dumpTables(targetStore.db);
    await targetStore.close();

    expect(targetRows).toEqual(sourceRows);
    expect(restored.rowCounts).toEqual(summary.rowCounts);
    expect(summary.rowCounts['secret_versions']).toBeGreaterThan(0);
    expect(summary.rowCounts['deliveries']).toBe(2);
    expect(summary.rowCounts['audit_events']).toBeGreaterThan(0);
    expect(restored.header.rootKeyId).toBe(keyring.primaryKeyId);

    // The restored database serves the same values, and old credentials still work.
    const target = await openTestRuntime(targetDatabase.url, rootKey);
    cleanups.push(target.close);
    const actor = await target.runtime.services.users.authenticate(seeded.personalToken);
    expect(actor).toEqual(seeded.owner.actor);
    expect(await revealEverything(target.runtime, seeded.owner)).toEqual(revealedBefore);
    const delivery = await target.runtime.services.delivery.deliver(seeded.serviceToken, '10.0.0.9');
    expect(JSON.parse(delivery.body.toString('utf8')).secrets['CANARY']).toBe(CANARY_VALUE);
    const tokens = await target.runtime.services.tokens.list(seeded.owner, APP, {});
    const validity = Object.fromEntries(tokens.map((token) => [token.name, token.revokedAt === null]));
    expect(validity).toEqual({ 'api-production': true, revoked: false });
    const appId = (sourceRows['apps']?.[0] as { id: string }).id;
    expect((await target.runtime.services.audit.list(appId, 1000)).length).toBeGreaterThan(10);
  });

  test('backup file is private', async () => {
    const { keyring, source } = await seededSource();
    const file = await backupPath();

    await createBackup(source.runtime.store, keyring, file);
    const mode = (await stat(file)).mode & 0o777;
    const firstLine = (await readFile(file)).subarray(0, 300).toString('utf8').split('\n')[0] as string;
    const header = JSON.parse(firstLine);

    expect(mode).toBe(0o600);
    expect(header.format).toBe('tresor-backup');
    expect(header.version).toBe(1);
    expect(header.rootKeyId).toBe(keyring.primaryKeyId);
    expect(Date.parse(header.createdAt)).not.toBeNaN();
    expect((await readFile(file)).includes(Buffer.from(CANARY_VALUE))).toBe(false);
  });

  test('payload holds ciphertexts only', async () => {
    const { keyring, source } = await seededSource();
    const file = await backupPath();
    await createBackup(source.runtime.store, keyring, file);

    const reader = await BackupReader.open(file, keyring);
    onTestFinished(() => reader.close());
    let payload = '';
    for (let segment = await reader.next(); segment !== null; segment = await reader.next()) {
      payload += JSON.stringify(segment);
    }
    const ciphertexts = await source.runtime.store.db.selectFrom('secret_versions').select('ciphertext').where('ciphertext', 'is not', null).execute();

    expect(payload).not.toContain(CANARY_VALUE);
    expect(payload).not.toContain('to be deleted');
    expect(ciphertexts.length).toBeGreaterThan(0);
    for (const row of ciphertexts) {
      expect(payload).toContain(row.ciphertext);
    }
  });

  test('restore rejects a database with rows', async () => {
    const { keyring, source } = await seededSource();
    const file = await backupPath();
    await createBackup(source.runtime.store, keyring, file);
    const rowsBefore = await dumpTables(source.runtime.store.db);

    const failure = restoreBackup(source.runtime.store, keyring, file);

    await expect(failure).rejects.toThrow(/already has rows, and a restore never merges into existing data/);
    expect(await dumpTables(source.runtime.store.db)).toEqual(rowsBefore);
  });

  test('backup is one snapshot during writes', async () => {
    const { keyring, source, seeded } = await seededSource();
    await source.runtime.services.modules.create(seeded.owner, APP, 'writer');
    const scope = { app: APP, environment: 'staging', module: 'writer' };

    // Each write changes one version of one key, so it adds one version, one audit event
    // and one revision: three tables that only a snapshot shows in agreement.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        // better-sqlite3 runs queries synchronously, so without this yield the loop would run
        // on microtasks alone and starve the backup's file writes.
        await new Promise((resolve) => setImmediate(resolve));
        written += 1;
        await source.runtime.services.secrets.setSecrets(seeded.owner, scope, [{ key: `KEY_${written % 5}`, value: `value-${written}` }]);
      }
    })();
    const files: string[] = [];
    try {
      for (let round = 0; round < 3; round += 1) {
        const file = await backupPath();
        await createBackup(source.runtime.store, keyring, file);
        files.push(file);
      }
    } finally {
      writing = false;
      await writer;
    }

    for (const file of files) {
      const target = await testDatabase();
      const store = openStore(target.url);
      await restoreBackup(store, keyring, file);
      const rows = await dumpTables(store.db);
      await store.close();

      const moduleId = (rows['modules'] as Array<{ id: string; name: string }>).find((module) => module.name === 'writer')?.id;
      const revision = (rows['revisions'] as Array<{ module_id: string; revision: number }>).find((row) => row.module_id === moduleId)?.revision ?? 0;
      const secretIds = new Set((rows['secrets'] as Array<{ id: string; module_id: string }>).filter((secret) => secret.module_id === moduleId).map((secret) => secret.id));
      const versions = (rows['secret_versions'] as Array<{ secret_id: string }>).filter((version) => secretIds.has(version.secret_id)).length;
      const audited = (rows['audit_events'] as Array<{ module_id: string | null; action: string }>).filter(
        (event) => event.action === 'secret.set' && event.module_id === moduleId,
      ).length;

      expect(versions, file).toBe(revision);
      expect(audited, file).toBe(revision);
    }
    expect(written).toBeGreaterThan(1);
  });

  test('tables list matches the schema', async () => {
    const database = await testDatabase();
    const store = openStore(database.url);
    onTestFinished(() => store.close());
    const { migrateToLatest } = await import('../../src/store/migrator.js');
    await migrateToLatest(store.db);

    const tables = await store.db.introspection.getTables();

    expect(BACKUP_TABLES.map((table) => table.name).sort()).toEqual(tables.map((table) => table.name).sort());
  });
});
