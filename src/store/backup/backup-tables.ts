import type { Database } from '../schema.js';

/** A table a backup copies, and the primary key it is read in order of. */
export interface BackupTable {
  name: keyof Database;
  primaryKey: readonly string[];
}

/**
 * Every table of the schema, parents before children, so a restore inserts rows in this
 * order without breaking a foreign key. A migration that adds a table must add it here;
 * the backup tests compare this list with the tables the migrations create.
 */
export const BACKUP_TABLES: readonly BackupTable[] = [
  { name: 'users', primaryKey: ['id'] },
  { name: 'user_tokens', primaryKey: ['id'] },
  { name: 'apps', primaryKey: ['id'] },
  { name: 'app_members', primaryKey: ['app_id', 'user_id'] },
  { name: 'environments', primaryKey: ['id'] },
  { name: 'modules', primaryKey: ['id'] },
  { name: 'module_config', primaryKey: ['module_id', 'key'] },
  { name: 'data_keys', primaryKey: ['environment_id', 'module_id', 'version'] },
  { name: 'secrets', primaryKey: ['id'] },
  { name: 'secret_versions', primaryKey: ['secret_id', 'version'] },
  { name: 'revisions', primaryKey: ['environment_id', 'module_id'] },
  { name: 'service_tokens', primaryKey: ['id'] },
  { name: 'deliveries', primaryKey: ['id'] },
  { name: 'audit_events', primaryKey: ['id'] },
];

/** Kysely's own table of applied migrations; a backup records its names, a restore re-creates it by migrating. */
export const MIGRATION_TABLE = 'kysely_migration';
