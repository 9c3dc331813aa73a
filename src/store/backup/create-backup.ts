import { sql, type Kysely } from 'kysely';

import type { Keyring } from '../../crypto/keyring.js';
import { validationError } from '../../domain/errors.js';
import type { Store } from '../database.js';
import type { Database } from '../schema.js';
import { BackupWriter } from './backup-file.js';
import { BACKUP_TABLES, MIGRATION_TABLE, type BackupTable } from './backup-tables.js';

/** Rows read per query and written per segment. */
const PAGE_ROWS = 500;

export interface BackupSummary {
  /** Absolute path of the backup file. */
  file: string;
  rootKeyId: string;
  bytes: number;
  rowCounts: Record<string, number>;
}

/**
 * Writes every table of the store to an encrypted backup file. All tables are read in one
 * transaction, so the backup is one consistent snapshot while servers keep writing: on
 * PostgreSQL a `REPEATABLE READ, READ ONLY` transaction, on SQLite one read transaction
 * (WAL mode gives it a snapshot and does not block writers). Secret values stay the
 * ciphertexts they are in the database.
 */
export async function createBackup(store: Store, keyring: Keyring, outputPath: string): Promise<BackupSummary> {
  await assertHasSchema(store);
  const writer = await BackupWriter.create(outputPath, keyring, store.dialect);

  try {
    const rowCounts = await readSnapshot(store, (trx) => writeTables(trx, writer));
    const file = await writer.finish();
    return { file, rootKeyId: keyring.primaryKeyId, bytes: writer.size, rowCounts };
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}

function readSnapshot<T>(store: Store, read: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') {
    return store.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
  }
  return store.db.transaction().execute(read);
}

async function writeTables(trx: Kysely<Database>, writer: BackupWriter): Promise<Record<string, number>> {
  const migrations = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(trx);
  await writer.write({ type: 'start', migrations: migrations.rows.map((row) => row.name) });

  const rowCounts: Record<string, number> = {};
  for (const table of BACKUP_TABLES) {
    rowCounts[table.name] = 0;
    for await (const rows of readPages(trx, table)) {
      await writer.write({ type: 'rows', table: table.name, rows });
      rowCounts[table.name] += rows.length;
    }
  }

  await writer.write({ type: 'end', rowCounts });
  return rowCounts;
}

/**
 * Reads a table in primary-key order, one page per query. Each page starts after the
 * previous page's last key, so a page costs the same however deep into the table it is.
 */
async function* readPages(trx: Kysely<Database>, table: BackupTable): AsyncGenerator<Array<Record<string, unknown>>> {
  const keyColumns = sql.join(table.primaryKey.map((column) => sql.ref(column)));
  let lastKey: unknown[] | null = null;

  for (;;) {
    const after = lastKey === null ? sql`` : sql`where (${keyColumns}) > (${sql.join(lastKey)})`;
    const page = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)} ${after} order by ${keyColumns} limit ${PAGE_ROWS}`.execute(trx);
    if (page.rows.length === 0) {
      return;
    }
    yield page.rows;

    const last = page.rows[page.rows.length - 1] as Record<string, unknown>;
    lastKey = table.primaryKey.map((column) => last[column]);
    if (page.rows.length < PAGE_ROWS) {
      return;
    }
  }
}

async function assertHasSchema(store: Store): Promise<void> {
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === MIGRATION_TABLE)) {
    throw validationError(`The database at ${store.location} has no Tresor tables, so there is nothing to back up. Check --database and --data-dir.`);
  }
}
