import path from 'node:path';

import type { Logger } from 'pino';

import { Keyring } from '../crypto/keyring.js';
import { loadRootKey, type RootKeySource } from '../crypto/root-key.js';
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
  const store = openStore(databaseUrl, options.poolSize === undefined ? {} : { poolSize: options.poolSize });
  let rootKey: RootKeySource;
  try {
    const report = await migrateToLatest(store.db).catch((error: unknown) => {
      // Migrations run the first query, so an unreachable database or a rejected login shows here.
      throw describeConnectionFailure(store, error) ?? error;
    });
    if (report.applied.length > 0) {
      options.logger.info({ migrations: report.applied, database: store.location }, 'Applied database migrations');
    }
    rootKey = await loadRootKey({ env: options.env, dataDir: options.dataDir });
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
  const keyring = new Keyring([rootKey.key]);

  const services = createServices(store, keyring, options.logger, options.services);
  return {
    store,
    keyring,
    services,
    rootKey,
    close: async () => {
      await services.flush();
      await store.close();
    },
  };
}
