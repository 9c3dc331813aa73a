import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';

import { TresorError, validationError } from '../domain/errors.js';
import type { Database } from './schema.js';
import { cacheStatements } from './statement-cache.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Location of the data for log lines: the SQLite path, or the PostgreSQL URL without its password. */
  location: string;
  /**
   * Returns SQLite's `PRAGMA data_version` on the store's own connection: it changes
   * whenever another connection, in this process or another, commits to the file, and
   * stays the same for this connection's own commits. Absent on PostgreSQL.
   */
  externalChangeCounter?: () => number;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /** Fail when the SQLite file does not exist yet, instead of creating it. */
  mustExist?: boolean;
  /** Checkpoint the SQLite WAL in a worker thread, off the event loop; for the long-running server. */
  checkpointInBackground?: boolean;
}

export const DEFAULT_POOL_SIZE = 10;

// How long a request waits for a new PostgreSQL connection, or for a free one when every
// pooled connection is busy. pg-pool 3 waits forever by default, which would turn an
// unreachable host into a hung start-up and an outage into requests that never end.
const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * Opens the database a URL names: `postgres://` or `postgresql://` for PostgreSQL,
 * `sqlite:PATH` or a plain file path for SQLite.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(url)) {
    assertParsableUrl(url);
    return openPostgres(url, options);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme !== undefined && scheme.length > 1 && scheme.toLowerCase() !== 'sqlite') {
    // A one-letter scheme is a Windows drive letter, which is a plain path.
    throw validationError(`Unsupported database URL scheme "${scheme}:". Use postgres://USER@HOST:PORT/DATABASE or sqlite:/path/to/tresor.db.`);
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (file.length === 0) {
    throw validationError('The database URL names no file: use sqlite:/path/to/tresor.db or postgres://...');
  }
  return openSqlite(file, options);
}

function openSqlite(file: string, options: OpenStoreOptions): Store {
  if (options.mustExist === true && !fs.existsSync(file)) {
    throw new TresorError('NOT_FOUND', `No SQLite database at ${path.resolve(file)}. Check --data-dir and --database.`);
  }
  let connection: SqliteDatabase.Database;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    connection = new SqliteDatabase(file);
    // The file holds only ciphertexts, but its metadata (names, audit events) is still private.
    fs.chmodSync(file, 0o600);
  } catch (error) {
    throw new TresorError(
      'DATABASE_UNAVAILABLE',
      `Failed to open the SQLite database ${path.resolve(file)} (${errorCodeOf(error) ?? 'unknown error'}). Check that its folder exists and that this user can write to it.`,
      { cause: error },
    );
  }
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // WAL with synchronous=NORMAL loses at most the last transactions on power loss,
  // never consistency, and avoids an fsync per commit.
  connection.pragma('synchronous = NORMAL');

  const checkpointer = options.checkpointInBackground === true ? startWalCheckpointer(file, connection) : null;

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheStatements(connection) }) });
  const dataVersion = connection.prepare('PRAGMA data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    location: path.resolve(file),
    externalChangeCounter: () => dataVersion.get() as number,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

// pg is loaded only for a PostgreSQL URL, because on SQLite its modules would take about
// 3 MB of the server's memory. It is a CommonJS package, so require() loads it synchronously.
const requirePackage = createRequire(import.meta.url);

function openPostgres(url: string, options: OpenStoreOptions): Store {
  const { Pool } = requirePackage('pg') as typeof pg;
  const pool = new Pool({ connectionString: url, max: options.poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
  // An idle client that loses its connection (a database restart) emits 'error' on the
  // pool, which then drops that client. Without a listener, Node treats the event as
  // unhandled and exits. A client that fails during a query is dropped when released,
  // because pg-pool 3 discards clients that are no longer queryable.
  pool.on('error', () => undefined);
  // pg-pool removes its listener while a client is checked out, and Kysely adds none, so
  // a restart that ends a connection between two queries of a transaction would crash the
  // process. The client is left unqueryable, its next query fails with a connection error
  // (returned as 503), and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redactUrlPassword(url),
    close: () => db.destroy(),
  };
}

/** Rejects a URL that neither `URL` nor pg could parse, without repeating it: it may contain a password. */
function assertParsableUrl(url: string): void {
  if (!URL.canParse(url)) {
    throw validationError('The PostgreSQL database URL is not a valid URL. Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE, percent-encoding special characters in the password.');
  }
}

/** Returns the URL with its password, in the user part or the query string, replaced by `***`. */
export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    for (const name of ['password', 'sslpassword']) {
      if (parsed.searchParams.has(name)) {
        parsed.searchParams.set(name, '***');
      }
    }
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Network and PostgreSQL error codes that mean the database can't be used right now. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: class 08 (connection exception), 53300 (too many connections) and
  // 57P01-57P03 (the server is shutting down, crashed or not yet accepting connections).
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  'SQLITE_BUSY',
]);

// pg and Kysely report a lost or timed-out connection by message only, without a code.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|connection has been discarded/i;

/**
 * Tells whether an error, or one of its causes, is a rejected constraint (a foreign key,
 * a unique key, a NOT NULL), which the same statement would meet again on every retry.
 */
export function isConstraintViolation(error: unknown): boolean {
  return someErrorInChain(error, (candidate) => {
    const code = errorCodeOf(candidate);
    // SQLITE_CONSTRAINT_FOREIGNKEY and its siblings, or PostgreSQL's class 23.
    return code !== undefined && (code.startsWith('SQLITE_CONSTRAINT') || /^23[0-9A-Z]{3}$/.test(code));
  });
}

/**
 * Tells whether an error, or one of its causes, means the database is unreachable or
 * restarting, so the request may succeed when retried.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return someErrorInChain(error, (candidate) => {
    const code = errorCodeOf(candidate);
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
      return true;
    }
    return candidate instanceof Error && UNAVAILABLE_MESSAGE.test(candidate.message);
  });
}

interface ConnectionProblem {
  reason: string;
  fix: string;
}

const CHECK_SERVER = 'Check that PostgreSQL is running there and that --database or TRESOR_DATABASE_URL names the right host and port.';
const CHECK_LOGIN = 'Check the user and password in the database URL.';

const CONNECTION_PROBLEMS: Record<string, ConnectionProblem> = {
  ECONNREFUSED: { reason: 'connection refused', fix: CHECK_SERVER },
  ETIMEDOUT: { reason: 'timed out', fix: CHECK_SERVER },
  EHOSTUNREACH: { reason: 'host unreachable', fix: CHECK_SERVER },
  ENETUNREACH: { reason: 'network unreachable', fix: CHECK_SERVER },
  ENOTFOUND: { reason: 'host name not found', fix: CHECK_SERVER },
  EAI_AGAIN: { reason: 'host name lookup failed', fix: CHECK_SERVER },
  ECONNRESET: { reason: 'the server closed the connection', fix: CHECK_SERVER },
  '28P01': { reason: 'password authentication failed', fix: CHECK_LOGIN },
  '28000': { reason: 'the server rejected the login (unknown user, or pg_hba.conf does not allow it)', fix: CHECK_LOGIN },
  '3D000': { reason: 'the database does not exist', fix: 'Create it first, for example with `createdb`, or fix its name in the URL.' },
  '53300': { reason: 'the server has no free connection slots', fix: 'Lower --pool-size on the Tresor instances or raise max_connections in PostgreSQL.' },
  '57P03': { reason: 'the server is starting up or shutting down', fix: 'Retry in a few seconds.' },
};

/**
 * Describes a failure to reach or sign in to the database as a `DATABASE_UNAVAILABLE`
 * error. Its message names the database by its location (the URL without its password)
 * and what to check. Returns null for any other error.
 */
export function describeConnectionFailure(store: Store, error: unknown): TresorError | null {
  let problem: ConnectionProblem | undefined;
  someErrorInChain(error, (candidate) => {
    const code = errorCodeOf(candidate);
    problem = code === undefined ? undefined : CONNECTION_PROBLEMS[code];
    problem ??= describeTlsProblem(candidate, code);
    return problem !== undefined;
  });
  if (problem === undefined && isDatabaseUnavailableError(error)) {
    problem = { reason: 'the connection failed or timed out', fix: CHECK_SERVER };
  }
  if (problem === undefined) {
    return null;
  }
  return new TresorError('DATABASE_UNAVAILABLE', `Failed to connect to the database at ${store.location}: ${problem.reason}. ${problem.fix}`, { cause: error });
}

function describeTlsProblem(error: unknown, code: string | undefined): ConnectionProblem | undefined {
  const message = error instanceof Error ? error.message : '';
  if (/does not support SSL/i.test(message)) {
    return { reason: 'the server does not accept TLS connections', fix: 'Enable ssl in PostgreSQL, or remove sslmode from the URL on a trusted network.' };
  }
  if ((code !== undefined && /CERT|TLS|SSL|VERIFY/.test(code)) || /SSL connection/i.test(message)) {
    return { reason: `the TLS handshake failed (${code ?? 'no error code'})`, fix: 'Check sslmode and the certificate files named in the URL (sslrootcert, sslcert, sslkey).' };
  }
  return undefined;
}

/** Visits an error, its `cause` chain and the members of an AggregateError, until `test` returns true. */
function someErrorInChain(error: unknown, test: (candidate: unknown) => boolean): boolean {
  const queue: unknown[] = [error];
  for (let visited = 0; queue.length > 0 && visited < 20; visited += 1) {
    const candidate = queue.shift();
    if (candidate === null || candidate === undefined) {
      continue;
    }
    if (test(candidate)) {
      return true;
    }
    if (candidate instanceof AggregateError) {
      queue.push(...candidate.errors);
    }
    if (candidate instanceof Error) {
      queue.push(candidate.cause);
    }
  }
  return false;
}

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
