import { sql, type Kysely } from 'kysely';

import type { Keyring } from '../../crypto/keyring.js';
import { validationError } from '../../domain/errors.js';
import type { Store } from '../database.js';
import { appliedMigrations, MIGRATION_NAMES, migrateToLatest, migrateUpTo } from '../migrator.js';
import type { Database } from '../schema.js';
import { BackupReader, corruptBackupError, type BackupHeader } from './backup-file.js';
import { BACKUP_TABLES } from './backup-tables.js';

// Bound parameters per INSERT: SQLite allows 32,766 and PostgreSQL 65,535.
const MAX_PARAMETERS_PER_INSERT = 10_000;

export interface RestoreSummary {
  header: BackupHeader;
  rowCounts: Record<string, number>;
}

/**
 * Reads a whole backup and checks every segment's seal, their order and the row counts,
 * without touching any database. Throws the corrupt-backup error on the first problem.
 */
export async function verifyBackup(keyring: Keyring, inputPath: string): Promise<RestoreSummary> {
  const reader = await BackupReader.open(inputPath, keyring);
  try {
    await readStart(reader, inputPath);
    const rowCounts = await readRows(reader, inputPath, async () => undefined);
    return { header: reader.header, rowCounts };
  } finally {
    await reader.close();
  }
}

/**
 * Loads a backup into an empty database. The database is first migrated as far as the
 * backup's own migrations. Every row is then inserted in one transaction, which commits
 * only after the last segment has been checked. The newer migrations run last, so a backup
 * from an older version loads as that version would load it. A corrupt file or a database
 * that already has rows changes no row.
 */
export async function restoreBackup(store: Store, keyring: Keyring, inputPath: string): Promise<RestoreSummary> {
  const reader = await BackupReader.open(inputPath, keyring);
  try {
    const migrations = await readStart(reader, inputPath);
    const applied = await appliedMigrations(store.db);
    assertRestorableMigrations(store.location, migrations, applied);
    if (applied.length > 0) {
      // Before migrating too: a restore into a database in use must not migrate it and then fail.
      await assertEmpty(store.db, store.location);
    }
    const last = migrations.at(-1);
    if (last !== undefined) {
      await migrateUpTo(store.db, last);
    }

    const rowCounts = await store.db.transaction().execute(async (trx) => {
      await assertEmpty(trx, store.location);
      return readRows(reader, inputPath, (table, rows) => insertRows(trx, table, rows));
    });
    await migrateToLatest(store.db);
    return { header: reader.header, rowCounts };
  } finally {
    await reader.close();
  }
}

/** Reads the first segment, which must be `start`, and returns the migrations it lists. */
async function readStart(reader: BackupReader, inputPath: string): Promise<string[]> {
  const start = await reader.next();
  if (start?.type !== 'start') {
    throw corruptBackupError(inputPath);
  }
  return start.migrations;
}

/** Passes each page of rows to `onRows` and checks the `end` segment's counts against them. */
async function readRows(
  reader: BackupReader,
  inputPath: string,
  onRows: (table: string, rows: Array<Record<string, unknown>>) => Promise<void>,
): Promise<Record<string, number>> {
  const rowCounts: Record<string, number> = Object.fromEntries(BACKUP_TABLES.map((table) => [table.name, 0]));
  // Tables come in the order of BACKUP_TABLES, parents first; going back would break a foreign key.
  let tablePosition = 0;

  for (;;) {
    const segment = await reader.next();
    if (segment === null || segment.type === 'start') {
      throw corruptBackupError(inputPath);
    }

    if (segment.type === 'end') {
      const complete = BACKUP_TABLES.every((table) => segment.rowCounts[table.name] === rowCounts[table.name]);
      if (!complete || (await reader.next()) !== null) {
        throw corruptBackupError(inputPath);
      }
      return rowCounts;
    }

    const position = BACKUP_TABLES.findIndex((table) => table.name === segment.table);
    if (position < tablePosition) {
      throw corruptBackupError(inputPath);
    }
    tablePosition = position;
    await onRows(segment.table, segment.rows);
    rowCounts[segment.table] = (rowCounts[segment.table] ?? 0) + segment.rows.length;
  }
}

async function insertRows(trx: Kysely<Database>, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const first = rows[0];
  if (first === undefined) {
    return;
  }
  const columns = Object.keys(first);
  const rowsPerInsert = Math.max(1, Math.floor(MAX_PARAMETERS_PER_INSERT / columns.length));
  const columnList = sql.join(columns.map((column) => sql.ref(column)));

  for (let offset = 0; offset < rows.length; offset += rowsPerInsert) {
    const chunk = rows.slice(offset, offset + rowsPerInsert);
    const values = sql.join(chunk.map((row) => sql`(${sql.join(columns.map((column) => row[column] ?? null))})`));
    await sql`insert into ${sql.table(table)} (${columnList}) values ${values}`.execute(trx);
  }
}

/**
 * Checks, before anything is migrated, that this version has every migration of the
 * backup, and that the database has applied none beyond them.
 */
function assertRestorableMigrations(location: string, backupMigrations: string[], applied: string[]): void {
  const known = MIGRATION_NAMES.slice(0, backupMigrations.length);
  if (backupMigrations.length === 0 || known.join('\n') !== backupMigrations.join('\n')) {
    throw validationError(
      `The backup was made with database migrations ${backupMigrations.join(', ') || '(none)'}, and this Tresor has ${MIGRATION_NAMES.join(', ')}. ` +
        'Restore it with the Tresor version that made it, or a later one.',
    );
  }
  if (applied.length > backupMigrations.length) {
    throw validationError(
      `The database at ${location} has migrations the backup predates (${applied.slice(backupMigrations.length).join(', ')}). Restore into a new, empty database.`,
    );
  }
}

/**
 * Rejects a database with rows in any backed-up table. Only the tables the database has
 * are checked, because one migrated less far lacks the newer tables.
 */
async function assertEmpty(trx: Kysely<Database>, location: string): Promise<void> {
  const existing = new Set((await trx.introspection.getTables()).map((table) => table.name));
  for (const table of BACKUP_TABLES.filter((candidate) => existing.has(candidate.name))) {
    const any = await sql`select 1 from ${sql.table(table.name)} limit 1`.execute(trx);
    if (any.rows.length > 0) {
      throw validationError(
        `Can't restore into the database at ${location}: table ${table.name} already has rows, and a restore never merges into existing data. Restore into a new, empty database.`,
      );
    }
  }
}
