import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

/** Maximum number of prepared statements kept per connection; the least recently used one is dropped first. */
export const MAX_CACHED_STATEMENTS = 200;

/**
 * Wraps a better-sqlite3 connection for Kysely so that each distinct SQL text is prepared
 * once and then reused. Kysely's SQLite driver prepares every query anew, and for the
 * delivery's token query preparing took about 20 µs where running it took about 6 µs
 * (better-sqlite3 12, measured as described in docs/benchmarks.md).
 *
 * Reuse is safe because Kysely runs one query at a time on its single SQLite connection,
 * so a statement is never used while another query on it is still iterating. SQLite
 * re-prepares a cached statement by itself when a migration changes the schema.
 */
export function cacheStatements(connection: SqliteDatabase.Database, maxStatements = MAX_CACHED_STATEMENTS): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        // Re-insertion moves the entry to the end of the Map's order, which makes eviction LRU.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = connection.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > maxStatements) {
        const oldest = statements.keys().next();
        if (oldest.done !== true) {
          statements.delete(oldest.value);
        }
      }
      return statement;
    },
    close(): void {
      statements.clear();
      connection.close();
    },
  };
}
