import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { validationError } from '../domain/errors.js';
import { formatRootKey, parseRootKey, ROOT_KEY_BYTES } from './root-key-text.js';

/** Name of the key file created in the data directory when no key is configured. */
export const DEFAULT_ROOT_KEY_FILE_NAME = 'root.key';

// A key file is 44 or 45 bytes: the base64 text and an optional newline. A much larger
// file is the wrong file, so it is not read.
const MAX_KEY_FILE_BYTES = 1024;

/** The root key loaded at start-up, and where it came from (for the start-up log line). */
export interface RootKeySource {
  key: Buffer;
  origin: 'environment' | 'file';
  path?: string;
  /** True when this call generated the key and wrote a new key file. */
  created: boolean;
}

/**
 * Loads the root key from `TRESOR_ROOT_KEY`, else from the file named by
 * `TRESOR_ROOT_KEY_FILE`, else from `<dataDir>/root.key`, which is created with a random
 * key (mode 0600) on first start. Throws `TresorError('VALIDATION_FAILED')` naming the
 * variable or file and the fix for any unusable key.
 */
export async function loadRootKey(options: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** False when the database already contains data keys, which a new root key could not unwrap. */
  mayCreate?: boolean;
}): Promise<RootKeySource> {
  const { env, dataDir } = options;

  const encodedKey = env['TRESOR_ROOT_KEY'];
  if (encodedKey !== undefined) {
    return { key: parseRootKey(encodedKey, 'TRESOR_ROOT_KEY'), origin: 'environment', created: false };
  }

  const configuredFile = env['TRESOR_ROOT_KEY_FILE'];
  if (configuredFile !== undefined) {
    return loadConfiguredKeyFile(configuredFile);
  }

  return loadOrCreateDefaultKeyFile(dataDir, options.mayCreate ?? true);
}

async function loadConfiguredKeyFile(configuredFile: string): Promise<RootKeySource> {
  if (configuredFile === '') {
    throw validationError(
      'TRESOR_ROOT_KEY_FILE is set but empty. Set it to the path of the root key file, or unset it to use the key file in the data directory.',
    );
  }

  const path = resolve(configuredFile);
  const key = await readKeyFile(path, `The root key file ${path} (from TRESOR_ROOT_KEY_FILE)`);
  if (key === null) {
    throw validationError(
      `TRESOR_ROOT_KEY_FILE names ${path}, which does not exist. Create it with: (umask 077; openssl rand -base64 32 > ${path})`,
    );
  }

  return { key, origin: 'file', path, created: false };
}

async function loadOrCreateDefaultKeyFile(dataDir: string, mayCreate: boolean): Promise<RootKeySource> {
  const path = join(resolve(dataDir), DEFAULT_ROOT_KEY_FILE_NAME);
  const description = `The root key file ${path}`;

  const existing = await readKeyFile(path, description);
  if (existing !== null) {
    return { key: existing, origin: 'file', path, created: false };
  }
  if (!mayCreate) {
    throw validationError(
      `The database already contains encrypted secrets, but the root key file ${path} does not exist, and a new key could not decrypt them. ` +
        'Put the key file back from your backup, or point TRESOR_ROOT_KEY or TRESOR_ROOT_KEY_FILE at the key this database was created with.',
    );
  }

  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(ROOT_KEY_BYTES);
  if (await publishKeyFile(path, formatRootKey(key))) {
    return { key, origin: 'file', path, created: true };
  }

  // Another process created the file first. Its key wins, so every instance uses one key.
  key.fill(0);
  const winner = await readKeyFile(path, description);
  if (winner === null) {
    throw new Error(`${description} was created by another process and then removed during start-up.`);
  }
  return { key: winner, origin: 'file', path, created: false };
}

/** Reads and checks a key file, or returns null when it does not exist. */
async function readKeyFile(path: string, description: string): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return null;
    }
    if (errorCode(error) === 'EACCES') {
      throw validationError(`${description} can't be read by this process (permission denied). Run Tresor as the file's owner.`);
    }
    if (errorCode(error) === 'ENOTDIR') {
      throw validationError(`${description} can't be opened because a part of its path is not a directory. Fix the path.`);
    }
    throw error;
  }

  try {
    // The checks use the opened file, so a swap between the check and the read is harmless.
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw validationError(`${description} is not a regular file. Point it at a file that contains the base64 root key.`);
    }
    if ((stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
      throw validationError(
        `${description} has mode ${mode}, so users other than its owner can access it. Restrict it with: chmod 600 ${path}`,
      );
    }
    if (stats.size > MAX_KEY_FILE_BYTES) {
      throw validationError(
        `${description} is ${stats.size} bytes, too large to be a root key file. Point it at a file that contains only the base64 root key.`,
      );
    }

    return parseRootKey(await handle.readFile('utf8'), description);
  } finally {
    await handle.close();
  }
}

/**
 * Writes the key file so that no reader ever sees a partial or widely readable one. The
 * text goes to a new temporary file (mode 0600, flag 'wx'), which is synced and then
 * hard-linked into place. `link` fails if the key file exists, so a concurrent start
 * can't clobber it. Returns false when another process published its key file first.
 */
async function publishKeyFile(path: string, text: string): Promise<boolean> {
  const temporaryPath = `${path}.${randomBytes(8).toString('hex')}.tmp`;

  try {
    const handle = await open(temporaryPath, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }

    try {
      await link(temporaryPath, path);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        return false;
      }
      throw error;
    }
  } finally {
    await unlink(temporaryPath).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') {
        throw error;
      }
    });
  }

  // Losing the directory entry in a crash would lose every secret encrypted under the key.
  await syncDirectory(dirname(path));
  return true;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
