import { ApiClient, parseServerUrl } from './api-client.js';
import type { CliContext } from './context.js';
import { credentialsPath, readCredentials } from './credentials.js';
import { CliError, UsageError } from './errors.js';

/** The `--server` flag that every command talking to the server accepts. */
export interface ServerOption {
  server?: string;
}

// Printable ASCII without spaces: anything else cannot go in an HTTP header, and fetch's
// error for it would quote the whole header, token included.
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Builds the API client of a person's command. The server comes from `--server`, else
 * TRESOR_SERVER, else the credentials file; the token from TRESOR_ACCESS_TOKEN, else the
 * credentials file. The saved token is sent only to the server it was issued by.
 */
export async function connect(context: CliContext, options: ServerOption): Promise<ApiClient> {
  const credentials = await readCredentials(context.env);
  const file = credentialsPath(context.env);
  const loginHint = 'Run `tresor login --server URL --email EMAIL`, or set TRESOR_SERVER and TRESOR_ACCESS_TOKEN.';

  const serverFromFlag = options.server ?? readVariable(context.env, 'TRESOR_SERVER');
  const serverSource = options.server !== undefined ? '--server' : 'TRESOR_SERVER';
  let server: URL;
  if (serverFromFlag !== undefined) {
    server = parseServerUrl(serverFromFlag, serverSource);
  } else if (credentials !== null) {
    server = parseServerUrl(credentials.server, file);
  } else {
    throw new CliError(`Not signed in: no credentials file at ${file}. ${loginHint}`);
  }

  const tokenFromEnv = readVariable(context.env, 'TRESOR_ACCESS_TOKEN');
  if (tokenFromEnv !== undefined) {
    if (!TOKEN_CHARACTERS.test(tokenFromEnv)) {
      throw new UsageError('TRESOR_ACCESS_TOKEN contains spaces or characters a token cannot have. Set it to the token `tresor login` saved.');
    }
    return new ApiClient(server, tokenFromEnv);
  }

  if (credentials === null) {
    throw new CliError(`Not signed in: no credentials file at ${file}. ${loginHint}`);
  }
  const savedServer = parseServerUrl(credentials.server, file);
  if (savedServer.href !== server.href) {
    throw new CliError(
      `The saved access token is for ${savedServer.origin}${savedServer.pathname}, not ${server.origin}${server.pathname}. ` +
        `Sign in to that server with \`tresor login --server ${server.origin} --email EMAIL\`, or set TRESOR_ACCESS_TOKEN.`,
    );
  }
  if (!TOKEN_CHARACTERS.test(credentials.token)) {
    throw new CliError(`The credentials file ${file} contains an invalid token. Sign in again with \`tresor login\`.`);
  }
  return new ApiClient(server, credentials.token);
}
