import os from 'node:os';

import { ApiClient, ApiError, parseServerUrl } from '../api-client.js';
import type { CliContext } from '../context.js';
import { credentialsPath, deleteCredentials, readCredentials, writeCredentials } from '../credentials.js';
import { CliError, UsageError } from '../errors.js';
import { readPassword } from '../input.js';
import { writeJson, writeNote, type JsonOption } from '../output.js';
import { connect, type ServerOption } from '../session.js';

const MAX_TOKEN_NAME_LENGTH = 64;

interface LoginResponse {
  token: string;
  user: { email: string };
}

/** Formats the server address as it is saved and shown: without a trailing slash unless it has a path. */
function displayServer(server: URL): string {
  return server.pathname === '/' ? server.origin : server.href;
}

export async function login(context: CliContext, options: ServerOption & { email?: string }): Promise<void> {
  const serverText = options.server ?? context.env['TRESOR_SERVER'];
  if (serverText === undefined || serverText === '') {
    throw new UsageError('Missing --server: pass the Tresor server address, such as --server https://tresor.example.com.');
  }
  if (options.email === undefined || options.email === '') {
    throw new UsageError('Missing --email: pass the e-mail address you sign in with.');
  }
  const server = parseServerUrl(serverText, options.server !== undefined ? '--server' : 'TRESOR_SERVER');

  const password = await readPassword(context, context.env, 'TRESOR_PASSWORD', `Password for ${options.email}: `);
  const tokenName = `tresor-cli@${os.hostname()}`.slice(0, MAX_TOKEN_NAME_LENGTH);
  const result = await new ApiClient(server, null).post<LoginResponse>('auth/login', { email: options.email, password, tokenName });

  const file = await writeCredentials(context.env, { server: displayServer(server), token: result.token, email: result.user.email });
  writeNote(context.stderr, `Signed in to ${displayServer(server)} as ${result.user.email}. Saved the access token in ${file}.`);
}

export async function logout(context: CliContext, options: ServerOption): Promise<void> {
  const file = credentialsPath(context.env);
  const credentials = await readCredentials(context.env);
  const tokenFromEnv = context.env['TRESOR_ACCESS_TOKEN'];
  if (credentials === null && (tokenFromEnv === undefined || tokenFromEnv === '')) {
    writeNote(context.stderr, `Not signed in: no credentials file at ${file}. Nothing to do.`);
    return;
  }

  // The saved token is revoked at the server it belongs to; without a file, the token in use is.
  const client = credentials === null ? await connect(context, options) : new ApiClient(parseServerUrl(credentials.server, file), credentials.token);
  try {
    await client.post('auth/logout');
  } catch (error) {
    // A token the server no longer accepts needs no revoking.
    if (!(error instanceof ApiError && error.status === 401)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError(
        `Failed to revoke the access token, so the credentials file ${file} was kept: ${reason} ` +
          `Retry \`tresor logout\`, or delete the file by hand to sign out on this machine only.`,
      );
    }
  }

  const deleted = await deleteCredentials(context.env);
  writeNote(context.stderr, deleted ? `Signed out: revoked the access token and deleted ${file}.` : 'Signed out: revoked the access token in TRESOR_ACCESS_TOKEN.');
}

export async function whoami(context: CliContext, options: ServerOption & JsonOption): Promise<void> {
  const client = await connect(context, options);
  const me = await client.get<{ email: string }>('me');
  if (options.json === true) {
    writeJson(context.stdout, { email: me.email, server: displayServer(client.server) });
    return;
  }
  context.stdout.write(`${me.email}\n`);
}
