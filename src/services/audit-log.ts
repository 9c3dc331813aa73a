import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.js';
import { actorId, nowIso, type RequestContext } from './context.js';

export interface AuditEntry {
  action: string;
  allowed: boolean;
  appId?: string | null;
  environmentId?: string | null;
  moduleId?: string | null;
  /** The object acted on by name (a secret key, a token id), never a value. */
  target?: string | null;
}

export interface AuditEventView {
  id: string;
  createdAt: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  target: string | null;
  allowed: boolean;
  address: string | null;
  environmentId: string | null;
  moduleId: string | null;
}

/**
 * Writes audit events. A change records its event inside the transaction that makes the
 * change, so the event exists exactly when the change does. Denied attempts are written on
 * their own.
 */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(context: RequestContext, entry: AuditEntry, executor: Kysely<Database> = this.db): Promise<void> {
    await executor
      .insertInto('audit_events')
      .values({
        id: randomUUID(),
        actor_kind: context.actor.kind,
        actor_id: actorId(context.actor),
        action: entry.action,
        app_id: entry.appId ?? null,
        environment_id: entry.environmentId ?? null,
        module_id: entry.moduleId ?? null,
        target: entry.target ?? null,
        allowed: entry.allowed ? 1 : 0,
        address: context.address,
        created_at: nowIso(),
      })
      .execute();
  }

  async list(appId: string, limit: number): Promise<AuditEventView[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      actorKind: row.actor_kind,
      actorId: row.actor_id,
      action: row.action,
      target: row.target,
      allowed: row.allowed === 1,
      address: row.address,
      environmentId: row.environment_id,
      moduleId: row.module_id,
    }));
  }
}
