import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import { generateToken, hashToken, tokenHint } from '../crypto/tokens.js';
import { notFound, validationError } from '../domain/errors.js';
import type { Database } from '../store/schema.js';
import type { AccessControl } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { nowIso, type RequestContext } from './context.js';
import type { ScopeNames } from './secrets-service.js';

const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export interface ServiceTokenView {
  id: string;
  name: string;
  environment: string;
  module: string;
  hint: string;
  createdAt: string;
  revokedAt: string | null;
  lastDeliveryAt: string | null;
  /** The revision the token's newest delivery got; null before its first delivery. */
  lastDeliveryRevision: number | null;
  currentRevision: number;
  /** True when the module, as last started with this token, runs older secrets than the current ones. */
  stale: boolean;
}

/** Called with the token's id after its revocation has been committed. */
export type RevokeListener = (tokenId: string) => void;

/** Service tokens: one module's read-only credential for one environment. */
export class TokensService {
  private readonly revokeListeners: RevokeListener[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: AccessControl,
    private readonly audit: AuditLog,
  ) {}

  onRevoke(listener: RevokeListener): void {
    this.revokeListeners.push(listener);
  }

  /** Issues a token; the plaintext is returned here once and stored only as a hash. */
  async create(context: RequestContext, names: ScopeNames, name: string | undefined): Promise<{ token: string; tokenInfo: ServiceTokenView }> {
    const scope = await this.access.requireScope(context, names, 'manage');
    const tokenName = name ?? `${names.module}-${names.environment}`;
    if (!TOKEN_NAME_PATTERN.test(tokenName)) {
      throw validationError(`Invalid token name ${JSON.stringify(tokenName)}: use 1 to 64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit.`);
    }

    const token = generateToken('service');
    const row = {
      id: randomUUID(),
      app_id: scope.app.id,
      environment_id: scope.environment.id,
      module_id: scope.module.id,
      name: tokenName,
      token_hash: hashToken(token),
      hint: tokenHint(token),
      created_by: context.actor.kind === 'user' ? context.actor.userId : 'system',
      created_at: nowIso(),
      revoked_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('service_tokens').values(row).execute();
      await this.audit.record(
        context,
        { action: 'token.create', allowed: true, appId: scope.app.id, environmentId: scope.environment.id, moduleId: scope.module.id, target: row.id },
        trx,
      );
    });
    return {
      token,
      tokenInfo: {
        id: row.id,
        name: tokenName,
        environment: names.environment,
        module: names.module,
        hint: row.hint,
        createdAt: row.created_at,
        revokedAt: null,
        lastDeliveryAt: null,
        lastDeliveryRevision: null,
        currentRevision: 0,
        stale: false,
      },
    };
  }

  async list(context: RequestContext, appName: string, filter: { environment?: string; module?: string }): Promise<ServiceTokenView[]> {
    const app = await this.access.requireApp(context, appName, 'manage');
    let query = this.db
      .selectFrom('service_tokens')
      .innerJoin('environments', 'environments.id', 'service_tokens.environment_id')
      .innerJoin('modules', 'modules.id', 'service_tokens.module_id')
      .select([
        'service_tokens.id',
        'service_tokens.name',
        'service_tokens.hint',
        'service_tokens.created_at',
        'service_tokens.revoked_at',
        'environments.name as environment',
        'modules.name as module',
      ])
      .leftJoin('revisions', (join) =>
        join.onRef('revisions.environment_id', '=', 'service_tokens.environment_id').onRef('revisions.module_id', '=', 'service_tokens.module_id'),
      )
      .select('revisions.revision as currentRevision')
      .select((eb) => [
        eb
          .selectFrom('deliveries')
          .select('deliveries.created_at')
          .whereRef('deliveries.token_id', '=', 'service_tokens.id')
          .orderBy('deliveries.created_at', 'desc')
          .limit(1)
          .as('lastDeliveryAt'),
        eb
          .selectFrom('deliveries')
          .select('deliveries.revision')
          .whereRef('deliveries.token_id', '=', 'service_tokens.id')
          .orderBy('deliveries.created_at', 'desc')
          .limit(1)
          .as('lastDeliveryRevision'),
      ])
      .where('service_tokens.app_id', '=', app.id);
    if (filter.environment !== undefined) {
      query = query.where('environments.name', '=', filter.environment);
    }
    if (filter.module !== undefined) {
      query = query.where('modules.name', '=', filter.module);
    }
    const rows = await query.orderBy('service_tokens.created_at').execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      environment: row.environment,
      module: row.module,
      hint: row.hint,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
      lastDeliveryAt: row.lastDeliveryAt ?? null,
      lastDeliveryRevision: row.lastDeliveryRevision ?? null,
      currentRevision: row.currentRevision ?? 0,
      // A revoked token cannot start its module again, so a restart would not pick up the change.
      stale: row.revoked_at === null && row.lastDeliveryRevision !== null && row.lastDeliveryRevision < (row.currentRevision ?? 0),
    }));
  }

  /** Revokes a token; the next delivery request with it is refused, on every server instance. */
  async revoke(context: RequestContext, appName: string, tokenId: string): Promise<void> {
    const app = await this.access.requireApp(context, appName, 'manage');
    const token = await this.db
      .selectFrom('service_tokens')
      .selectAll()
      .where('id', '=', tokenId)
      .where('app_id', '=', app.id)
      .executeTakeFirst();
    if (token === undefined) {
      throw notFound(`Service token ${JSON.stringify(tokenId)} not found in app ${JSON.stringify(appName)}. Run \`tresor tokens list --app ${appName}\` to see the ids.`);
    }
    if (token.revoked_at === null) {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('service_tokens').set({ revoked_at: nowIso() }).where('id', '=', token.id).execute();
        await this.audit.record(
          context,
          { action: 'token.revoke', allowed: true, appId: app.id, environmentId: token.environment_id, moduleId: token.module_id, target: token.id },
          trx,
        );
      });
      for (const listener of this.revokeListeners) {
        listener(token.id);
      }
    }
  }
}
