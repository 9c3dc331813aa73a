import type { TestProject } from 'vitest/node';
import { PostgresBinariesMissingError, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { readTestDialect } from './test-dialect.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL cluster, or '' when the run uses SQLite or skips PostgreSQL. */
    postgresAdminUrl: string;
  }
}

// One cluster serves the whole run, and each test file creates its own database on it.
let cluster: PostgresCluster | undefined;

/** Starts the PostgreSQL cluster when `TRESOR_TEST_DIALECT=postgres` and hands its URL to the tests. */
export async function setup(project: TestProject): Promise<void> {
  if (readTestDialect() !== 'postgres') {
    project.provide('postgresAdminUrl', '');
    return;
  }

  try {
    cluster = await startPostgresCluster({
      log: (line) => process.stderr.write(`[test postgres] ${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof PostgresBinariesMissingError) || process.env.CI === 'true') {
      throw error;
    }
    process.stderr.write(
      `\n${'!'.repeat(78)}\n` +
        'PostgreSQL binaries not found: the PostgreSQL run is SKIPPED, and only a CI run ' +
        `(CI=true) fails on this.\n${error.message}\n` +
        `${'!'.repeat(78)}\n\n`,
    );
    project.provide('postgresAdminUrl', '');
    return;
  }

  project.provide('postgresAdminUrl', cluster.url());
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}
