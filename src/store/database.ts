import fs from 'node:fs';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

import { validationError } from '../domain/errors.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for log lines: the SQLite path, or the PostgreSQL URL without its password. */
  location: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
}

/**
 * Opens the database a URL names: `postgres://` or `postgresql://` for PostgreSQL,
 * `sqlite:PATH` or a plain file path for SQLite.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(url)) {
    return openPostgres(url, options);
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (file.length === 0) {
    throw validationError('The database URL names no file: use sqlite:/path/to/tresor.db or postgres://...');
  }
  return openSqlite(file);
}

function openSqlite(file: string): Store {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  const connection = new SqliteDatabase(file);
  // The file holds only ciphertexts, but its metadata (names, audit events) is still private.
  fs.chmodSync(file, 0o600);
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // WAL with synchronous=NORMAL loses at most the last transactions on power loss,
  // never consistency, and avoids an fsync per commit.
  connection.pragma('synchronous = NORMAL');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  return {
    db,
    dialect: 'sqlite',
    location: path.resolve(file),
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, options: OpenStoreOptions): Store {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that loses its connection (a database restart) emits 'error' on the
  // pool; without a listener Node treats it as unhandled and exits.
  pool.on('error', () => undefined);

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redactUrlPassword(url),
    close: () => db.destroy(),
  };
}

export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
