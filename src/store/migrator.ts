import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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

/** Applies every pending migration in one run; throws with the failing migration's name. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
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
