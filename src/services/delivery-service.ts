import type { CompiledQuery, Kysely } from 'kysely';

import { hashToken, tokenKind } from '../crypto/tokens.js';
import { TresorError } from '../domain/errors.js';
import type { Database } from '../store/schema.js';
import type { BundleCache } from './bundle-cache.js';
import type { DeliveryRecorder } from './delivery-recorder.js';
import type { SecretsService } from './secrets-service.js';

export interface Delivery {
  /** The JSON response, ready to send: `{ app, environment, module, revision, secrets }`. */
  body: Buffer;
  revision: number;
}

/**
 * Serves a module's secrets to its service token. One indexed read per request checks the
 * token (so a revocation counts on the next request, on every instance) and the scope's
 * revision; the response bytes come from the cache while that revision is current.
 */
export class DeliveryService {
  private readonly tokenQuery: CompiledQuery<TokenScopeRow>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretsService,
    private readonly cache: BundleCache,
    private readonly recorder: DeliveryRecorder,
  ) {
    secrets.onChange((scope) => cache.delete(scopeKey(scope.environmentId, scope.moduleId)));
    this.tokenQuery = compileTokenQuery(db);
  }

  async deliver(token: string, address: string): Promise<Delivery> {
    if (tokenKind(token) !== 'service') {
      throw invalidToken();
    }
    const query: CompiledQuery<TokenScopeRow> = { ...this.tokenQuery, parameters: [hashToken(token)] };
    const { rows } = await this.db.executeQuery(query);
    const row = rows[0];
    if (row === undefined || row.revokedAt !== null) {
      throw invalidToken();
    }

    const key = scopeKey(row.environmentId, row.moduleId);
    const revision = row.revision ?? 0;
    let body = this.cache.get(key, revision);
    if (body === null) {
      const bundle = await this.secrets.loadBundle({ appId: row.appId, environmentId: row.environmentId, moduleId: row.moduleId });
      body = ownBuffer(JSON.stringify({ app: row.app, environment: row.environment, module: row.module, revision: bundle.revision, secrets: bundle.secrets }));
      this.cache.set(key, bundle.revision, body);
    }

    this.recorder.record({ token_id: row.tokenId, app_id: row.appId, environment_id: row.environmentId, module_id: row.moduleId, revision, address });
    return { body, revision };
  }
}

/** Row of the token query: the token's scope, the scope's names and its current revision. */
interface TokenScopeRow {
  tokenId: string;
  appId: string;
  environmentId: string;
  moduleId: string;
  revokedAt: string | null;
  app: string;
  environment: string;
  module: string;
  revision: number | null;
}

/**
 * Builds the token query once, with the token hash as its only parameter, so each
 * delivery only swaps in its hash. Building and compiling the query with Kysely took
 * about 20 µs, three times as long as SQLite took to run it.
 */
function compileTokenQuery(db: Kysely<Database>): CompiledQuery<TokenScopeRow> {
  const compiled = db
    .selectFrom('service_tokens')
    .innerJoin('apps', 'apps.id', 'service_tokens.app_id')
    .innerJoin('environments', 'environments.id', 'service_tokens.environment_id')
    .innerJoin('modules', 'modules.id', 'service_tokens.module_id')
    .leftJoin('revisions', (join) =>
      join.onRef('revisions.environment_id', '=', 'service_tokens.environment_id').onRef('revisions.module_id', '=', 'service_tokens.module_id'),
    )
    .select([
      'service_tokens.id as tokenId',
      'service_tokens.app_id as appId',
      'service_tokens.environment_id as environmentId',
      'service_tokens.module_id as moduleId',
      'service_tokens.revoked_at as revokedAt',
      'apps.name as app',
      'environments.name as environment',
      'modules.name as module',
      'revisions.revision',
    ])
    .where('service_tokens.token_hash', '=', '')
    .compile();
  if (compiled.parameters.length !== 1) {
    throw new Error(`The delivery token query must have exactly one parameter, the token hash; it has ${compiled.parameters.length}.`);
  }
  return compiled;
}

/**
 * Encodes text as UTF-8 into memory of its own. Buffer.from puts text under 4 KiB into a
 * slab of 8 KiB shared with other small Buffers, and a cached body would keep that whole
 * slab alive.
 */
function ownBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  buffer.write(text, 'utf8');
  return buffer;
}

function scopeKey(environmentId: string, moduleId: string): string {
  return `${environmentId}/${moduleId}`;
}

function invalidToken(): TresorError {
  return new TresorError('UNAUTHENTICATED', 'The service token is invalid or revoked. Create a new one with `tresor tokens create`.');
}
