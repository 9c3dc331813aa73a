export type TestDialect = 'sqlite' | 'postgres';

/**
 * Reads `TRESOR_TEST_DIALECT`, which selects the database the suite runs against, and
 * defaults to SQLite when unset. This file imports nothing from vitest, because the global setup runs
 * outside the test workers where vitest's runtime API is unavailable.
 */
export function readTestDialect(): TestDialect {
  const value = process.env.TRESOR_TEST_DIALECT ?? '';
  if (value === '' || value === 'sqlite') {
    return 'sqlite';
  }
  if (value === 'postgres') {
    return 'postgres';
  }
  throw new Error(
    `Invalid TRESOR_TEST_DIALECT "${value}": set it to sqlite or postgres, or leave it unset for sqlite.`,
  );
}
