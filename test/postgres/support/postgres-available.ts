import { findPostgresBinDir, PostgresBinariesMissingError } from '../../support/postgres-cluster.js';

/**
 * Checks once per test file whether PostgreSQL 15+ is installed. Outside CI, a missing
 * installation skips the PostgreSQL suites with a loud message. In CI (`CI=true`) it
 * fails the file, because a skipped suite there would hide a broken set-up.
 */
async function checkPostgresInstalled(): Promise<boolean> {
  try {
    await findPostgresBinDir();
    return true;
  } catch (error) {
    if (!(error instanceof PostgresBinariesMissingError) || process.env['CI'] === 'true') {
      throw error;
    }
    process.stderr.write(
      `\n${'!'.repeat(78)}\nPostgreSQL binaries not found: the PostgreSQL suites in test/postgres are SKIPPED ` +
        `(a CI run with CI=true fails instead).\n${error.message}\n${'!'.repeat(78)}\n\n`,
    );
    return false;
  }
}

export const postgresInstalled = await checkPostgresInstalled();
