import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

import * as initial from './migrations/0001-initial.js';
import * as deliveryCounts from './migrations/0002-delivery-counts.js';

/** Migrations in the order they run; the names are stored in the database and never change. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-delivery-counts': deliveryCounts,
};

const provider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

export interface MigrationReport {
  applied: string[];
}

/** Names of the migrations of this version, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/** Applies every pending migration in one run; throws with the failing migration's name. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<MigrationReport> {
  return migrate(db, (migrator) => migrator.migrateToLatest());
}

/** Applies the pending migrations up to and including `name`, and none after it. */
export async function migrateUpTo<T>(db: Kysely<T>, name: string): Promise<MigrationReport> {
  return migrate(db, (migrator) => migrator.migrateTo(name));
}

/** Returns the names of the migrations already applied to a database, in the order they ran. */
export async function appliedMigrations<T>(db: Kysely<T>): Promise<string[]> {
  const migrations = await new Migrator({ db, provider }).getMigrations();
  return migrations.filter((migration) => migration.executedAt !== undefined).map((migration) => migration.name);
}

async function migrate<T>(db: Kysely<T>, run: (migrator: Migrator) => Promise<MigrationResultSet>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await run(migrator);
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined) {
    // Migrations carry no secret values, so the database's own message is safe to show.
    const reason = error instanceof Error ? error.message : String(error);
    if (failed !== undefined) {
      throw new Error(`Failed to apply database migration ${failed.migrationName}: ${reason}`, { cause: error });
    }
    throw new Error(
      `Failed to migrate the database: ${reason}. If a newer version of Tresor has migrated this database, run that version.`,
      { cause: error },
    );
  }
  return { applied: (results ?? []).map((result) => result.migrationName) };
}
