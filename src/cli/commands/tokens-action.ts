import { apiPath } from '../api-client.js';
import type { CliContext } from '../context.js';
import { writeJson, writeNote, writeTable, type JsonOption } from '../output.js';
import { describeScope, resolveApp, resolveScope, type ScopeFlags } from '../scope.js';
import { connect, type ServerOption } from '../session.js';

type Options = ServerOption & JsonOption & ScopeFlags & { name?: string };

interface TokenInfo {
  id: string;
  name: string;
  environment: string;
  module: string;
  hint: string;
  createdAt: string;
  revokedAt?: string | null;
  lastDeliveryAt?: string | null;
  lastDeliveryRevision?: number | null;
  currentRevision?: number;
  stale?: boolean;
}

export async function createToken(context: CliContext, options: Options): Promise<void> {
  const scope = resolveScope(options, context.env);
  const client = await connect(context, options);
  const path = apiPath('apps', scope.app, 'environments', scope.environment, 'modules', scope.module, 'tokens');
  const created = await client.post<{ token: string; tokenInfo: TokenInfo }>(path, options.name === undefined ? {} : { name: options.name });

  if (options.json === true) {
    writeJson(context.stdout, created);
  } else {
    context.stdout.write(`${created.token}\n`);
  }

  const server = client.server.pathname === '/' ? client.server.origin : client.server.href;
  writeNote(
    context.stderr,
    `Created service token ${created.tokenInfo.id} (${created.tokenInfo.name}) for ${describeScope(scope)}. ` +
      'It is shown only this once: store it where the module starts, and start the module with\n' +
      `  TRESOR_TOKEN=<the token> TRESOR_SERVER=${server} tresor run -- COMMAND`,
  );
}

export async function listTokens(context: CliContext, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  const { tokens } = await client.get<{ tokens: TokenInfo[] }>(apiPath('apps', app, 'tokens'), { environment: options.env, module: options.module });
  if (options.json === true) {
    writeJson(context.stdout, { tokens });
    return;
  }
  writeTable(
    context,
    ['ID', 'NAME', 'ENVIRONMENT', 'MODULE', 'HINT', 'CREATED', 'LAST DELIVERY', 'SECRETS', 'REVOKED'],
    tokens.map((token) => [
      token.id,
      token.name,
      token.environment,
      token.module,
      token.hint,
      token.createdAt,
      token.lastDeliveryAt,
      describeFreshness(token),
      token.revokedAt,
    ]),
    `App ${app} has no service tokens${options.env === undefined && options.module === undefined ? '' : ' that match'}. Create one with \`tresor tokens create\`.`,
  );
}

/** Says whether the module last started with this token runs the current secrets. */
function describeFreshness(token: TokenInfo): string {
  if (token.revokedAt !== null && token.revokedAt !== undefined) {
    return 'revoked';
  }
  if (token.lastDeliveryRevision === null || token.lastDeliveryRevision === undefined) {
    return 'never fetched';
  }
  if (token.stale === true) {
    return `stale (revision ${token.lastDeliveryRevision} of ${token.currentRevision ?? '?'}): restart`;
  }
  return `current (revision ${token.lastDeliveryRevision})`;
}

export async function revokeToken(context: CliContext, tokenId: string, options: Options): Promise<void> {
  const app = resolveApp(options, context.env);
  const client = await connect(context, options);
  await client.delete(apiPath('apps', app, 'tokens', tokenId));
  writeNote(context.stderr, `Revoked service token ${tokenId}: its next delivery request is rejected.`);
}
