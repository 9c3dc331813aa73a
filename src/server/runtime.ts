import path from 'node:path';

import type { Logger } from 'pino';

import { Keyring } from '../crypto/keyring.js';
import { loadRootKey, type RootKeySource } from '../crypto/root-key.js';
import { validationError } from '../domain/errors.js';
import { createServices, type ServiceOptions, type Services } from '../services/index.js';
import { describeConnectionFailure, openStore, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrator.js';

export interface RuntimeOptions {
  /** Folder of the embedded database and the generated root key file. */
  dataDir: string;
  /** A `postgres://` URL or `sqlite:PATH`; defaults to `sqlite:<dataDir>/tresor.db`. */
  databaseUrl?: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  services?: ServiceOptions;
  /** Connections in the PostgreSQL pool of this process; ignored for SQLite. */
  poolSize?: number | undefined;
  /** Checkpoint SQLite's WAL in a worker thread; set by the server, whose event loop serves requests. */
  checkpointInBackground?: boolean;
}

export interface Runtime {
  store: Store;
  keyring: Keyring;
  services: Services;
  rootKey: RootKeySource;
  close(): Promise<void>;
}

export function defaultDatabaseUrl(dataDir: string): string {
  return `sqlite:${path.join(dataDir, 'tresor.db')}`;
}

/**
 * Opens and migrates the database, loads the root key and wires the services. The
 * database comes first, so a wrong database URL fails before a new root key file is
 * created in the data folder.
 */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const databaseUrl = options.databaseUrl ?? defaultDatabaseUrl(options.dataDir);
  const store = openStore(databaseUrl, {
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    checkpointInBackground: options.checkpointInBackground === true,
  });
  let rootKey: RootKeySource;
  let keyring: Keyring;
  try {
    const report = await migrateToLatest(store.db).catch((error: unknown) => {
      // Migrations run the first query, so an unreachable database or a rejected login shows here.
      throw describeConnectionFailure(store, error) ?? error;
    });
    if (report.applied.length > 0) {
      options.logger.info({ migrations: report.applied, database: store.location }, 'Applied database migrations');
    }
    const wrappingKeyIds = await listWrappingKeyIds(store);
    rootKey = await loadRootKey({ env: options.env, dataDir: options.dataDir, mayCreate: wrappingKeyIds.length === 0 });
    keyring = new Keyring([rootKey.key]);
    assertKeyMatchesDatabase(keyring, rootKey, wrappingKeyIds);
  } catch (error) {
    await store.close();
    throw error;
  }

  if (rootKey.created) {
    options.logger.warn(
      { path: rootKey.path },
      'Created a new root key file. Back it up apart from the database: without it no secret can be decrypted.',
    );
  }
  const services = createServices(store, keyring, options.logger, options.services);
  return {
    store,
    keyring,
    services,
    rootKey,
    close: async () => {
      await services.close();
      await store.close();
    },
  };
}

/** Returns the ids of the root keys that wrapped the database's data keys. */
async function listWrappingKeyIds(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('data_keys').select('root_key_id').distinct().execute();
  return rows.map((row) => row.root_key_id);
}

/**
 * Refuses to start with a root key that did not wrap the stored data keys: the server would
 * start, fail every read with a decryption error, and wrap new data keys with the wrong key.
 */
function assertKeyMatchesDatabase(keyring: Keyring, rootKey: RootKeySource, wrappingKeyIds: string[]): void {
  const unknown = wrappingKeyIds.filter((id) => !keyring.keyIds.includes(id));
  if (unknown.length === 0) {
    return;
  }
  const origin = rootKey.origin === 'environment' ? 'TRESOR_ROOT_KEY' : `the key file ${rootKey.path ?? ''}`;
  throw validationError(
    `The root key from ${origin} (id ${keyring.primaryKeyId}) is not the key this database was encrypted with (id ${unknown.join(', ')}). ` +
      'Load the root key this database was created with; a different key cannot decrypt its secrets.',
  );
}
