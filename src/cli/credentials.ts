import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { CliError } from './errors.js';

/** The session `tresor login` saves: the server a person signed in to and their personal access token. */
export interface Credentials {
  server: string;
  token: string;
  email: string;
}

const FILE_NAME = 'credentials.json';

/**
 * Returns the path of the credentials file: `$TRESOR_CONFIG_DIR/credentials.json`, else
 * `$XDG_CONFIG_HOME/tresor/credentials.json`, else `~/.config/tresor/credentials.json`.
 */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const configDir = env['TRESOR_CONFIG_DIR'];
  if (configDir !== undefined && configDir !== '') {
    return path.resolve(configDir, FILE_NAME);
  }
  const xdgConfigHome = env['XDG_CONFIG_HOME'];
  const base = xdgConfigHome !== undefined && xdgConfigHome !== '' ? xdgConfigHome : path.join(os.homedir(), '.config');
  return path.resolve(base, 'tresor', FILE_NAME);
}

/** Reads the saved credentials, or returns null when no file exists. */
export async function readCredentials(env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const file = credentialsPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw new CliError(`Failed to read the credentials file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}). Check its permissions, or sign in again with \`tresor login\`.`);
  }

  // The parser's own message may quote the file's text, which contains the token, so it is not shown.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!isCredentials(parsed)) {
    throw new CliError(`The credentials file ${file} is not valid: expected a JSON object with "server", "token" and "email". Sign in again with \`tresor login\`.`);
  }
  return { server: parsed.server, token: parsed.token, email: parsed.email };
}

/**
 * Saves the credentials with mode 0600, creating a missing folder with mode 0700. The file
 * is written under a temporary name and renamed, so a crash never leaves half a file behind.
 */
export async function writeCredentials(env: NodeJS.ProcessEnv, credentials: Credentials): Promise<string> {
  const file = credentialsPath(env);
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true, mode: 0o700 });

  const temporary = path.join(folder, `.${FILE_NAME}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given at creation is reduced by the umask; chmod makes it exactly 0600.
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`Failed to save the credentials file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}). Check that the folder is writable, or set TRESOR_CONFIG_DIR to another folder.`);
  }
  return file;
}

/** Deletes the credentials file; returns false when there was none. */
export async function deleteCredentials(env: NodeJS.ProcessEnv): Promise<boolean> {
  const file = credentialsPath(env);
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw new CliError(`Failed to delete the credentials file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}). Delete it by hand.`);
  }
}

function isCredentials(value: unknown): value is Credentials {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { server, token, email } = value as Record<string, unknown>;
  return typeof server === 'string' && server !== '' && typeof token === 'string' && token !== '' && typeof email === 'string';
}
