import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createPostgresDatabase, dropPostgresDatabase, randomDatabaseName } from './postgres-cluster.js';
import { readTestDialect, type TestDialect } from './test-dialect.js';

export { readTestDialect, type TestDialect };

/** A database of its own for one test file, and how to throw it away. */
export interface TestDatabase {
  dialect: TestDialect;
  /** `sqlite:<path>` or `postgres://tresor@127.0.0.1:<port>/<database>`. */
  url: string;
  /**
   * Deletes the SQLite folder, or drops the PostgreSQL database with FORCE, which ends the
   * connections still open on it, so close clients first or give them an 'error' listener.
   */
  cleanup(): Promise<void>;
}

/**
 * Returns false when the run targets PostgreSQL but its binaries were missing outside CI,
 * so the global setup skipped the cluster. Guard suites with
 * `describe.skipIf(!isTestDatabaseAvailable())`.
 */
export function isTestDatabaseAvailable(): boolean {
  return readTestDialect() === 'sqlite' || Boolean(inject('postgresAdminUrl'));
}

/** Creates an empty database for the current dialect: a fresh SQLite file or a fresh PostgreSQL database. */
export async function createTestDatabaseUrl(): Promise<TestDatabase> {
  const dialect = readTestDialect();

  if (dialect === 'sqlite') {
    const folder = await mkdtemp(join(tmpdir(), 'tresor-sqlite-'));
    return {
      dialect,
      url: `sqlite:${join(folder, 'tresor.db')}`,
      cleanup: () => rm(folder, { recursive: true, force: true }),
    };
  }

  const adminUrl = readPostgresAdminUrl();
  const name = randomDatabaseName();
  const url = await createPostgresDatabase(adminUrl, name);
  return {
    dialect,
    url,
    cleanup: () => dropPostgresDatabase(adminUrl, name),
  };
}

function readPostgresAdminUrl(): string {
  const adminUrl: string | undefined = inject('postgresAdminUrl');
  if (adminUrl === undefined) {
    throw new Error(
      'No PostgreSQL cluster was provided to the tests: add ' +
        "globalSetup: ['test/support/global-setup.ts'] to the test options in vitest.config.ts.",
    );
  }
  if (adminUrl === '') {
    throw new Error(
      'PostgreSQL binaries were not found, so the global setup started no cluster. Guard the ' +
        'suite with isTestDatabaseAvailable(), or install them with `apt-get install postgresql`.',
    );
  }
  return adminUrl;
}
