import fs from 'node:fs';
import path from 'node:path';

import { Keyring } from '../../crypto/keyring.js';
import { DEFAULT_ROOT_KEY_FILE_NAME, loadRootKey } from '../../crypto/root-key.js';
import { defaultDatabaseUrl } from '../../server/runtime.js';
import { createBackup } from '../../store/backup/create-backup.js';
import { restoreBackup, verifyBackup } from '../../store/backup/restore-backup.js';
import { describeConnectionFailure, openStore, type Store } from '../../store/database.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

interface LocalDatabase {
  dataDir: string;
  databaseUrl: string | undefined;
}

export async function runBackup(context: CliContext, options: LocalDatabase & { output: string }): Promise<void> {
  const keyring = await loadExistingKeyring(context.env, options.dataDir);
  const store = openStore(options.databaseUrl ?? defaultDatabaseUrl(options.dataDir), { mustExist: true });

  try {
    const summary = await withConnectionErrors(store, () => createBackup(store, keyring, options.output));
    const rows = Object.values(summary.rowCounts).reduce((sum, count) => sum + count, 0);
    context.stderr.write(
      `Wrote backup ${summary.file}: ${rows} rows of ${Object.keys(summary.rowCounts).length} tables from ${store.location}, ${summary.bytes} bytes, ` +
        `sealed under root key id ${summary.rootKeyId}. Keep the root key apart from the backup: the backup can't be restored without it.\n`,
    );
  } finally {
    await store.close();
  }
}

export async function runRestore(context: CliContext, options: LocalDatabase & { input: string }): Promise<void> {
  const keyring = await loadExistingKeyring(context.env, options.dataDir);
  // Check the whole file first, so a corrupt backup or the wrong root key leaves the target untouched.
  await verifyBackup(keyring, options.input);
  const store = openStore(options.databaseUrl ?? defaultDatabaseUrl(options.dataDir));

  try {
    const summary = await withConnectionErrors(store, () => restoreBackup(store, keyring, options.input));
    const rows = Object.values(summary.rowCounts).reduce((sum, count) => sum + count, 0);
    context.stderr.write(
      `Restored ${rows} rows into ${store.location} from the backup made at ${summary.header.createdAt} (${summary.header.source}). ` +
        'Start the servers with the same root key.\n',
    );
  } finally {
    await store.close();
  }
}

/**
 * Loads the root key like the server does, except that a missing key file is an error.
 * A new random key would seal a backup that no server can restore, or fail every restore.
 */
async function loadExistingKeyring(env: NodeJS.ProcessEnv, dataDir: string): Promise<Keyring> {
  const keyFile = path.join(dataDir, DEFAULT_ROOT_KEY_FILE_NAME);
  if (env['TRESOR_ROOT_KEY'] === undefined && env['TRESOR_ROOT_KEY_FILE'] === undefined && !fs.existsSync(keyFile)) {
    throw new CliError(
      `No root key: TRESOR_ROOT_KEY and TRESOR_ROOT_KEY_FILE are unset and ${keyFile} does not exist. ` +
        "Set TRESOR_ROOT_KEY to the servers' root key, or point --data-dir at the folder of their root.key.",
    );
  }
  const rootKey = await loadRootKey({ env, dataDir });
  return new Keyring([rootKey.key]);
}

async function withConnectionErrors<T>(store: Store, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw describeConnectionFailure(store, error) ?? error;
  }
}
