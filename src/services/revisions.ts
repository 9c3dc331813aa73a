import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.js';
import { nowIso } from './context.js';
import type { ScopeIds } from './data-keys.js';

/**
 * Moves a scope to its next revision inside a transaction and returns the new revision.
 * The upsert also takes the scope's write lock. PostgreSQL holds the row lock until the
 * transaction ends, so writers to one (environment, module) run one after another and
 * lose no versions; SQLite has one writer at a time anyway. A transaction that then
 * changes nothing must roll back, so the revision stays.
 */
export async function advanceRevision(trx: Kysely<Database>, scope: ScopeIds): Promise<number> {
  const row = await trx
    .insertInto('revisions')
    .values({
      app_id: scope.appId,
      environment_id: scope.environmentId,
      module_id: scope.moduleId,
      revision: 1,
      updated_at: nowIso(),
    })
    .onConflict((conflict) =>
      conflict.columns(['environment_id', 'module_id']).doUpdateSet((eb) => ({
        revision: eb('revisions.revision', '+', 1),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning('revision')
    .executeTakeFirstOrThrow();
  return row.revision;
}

export async function currentRevision(db: Kysely<Database>, scope: ScopeIds): Promise<number> {
  const row = await db
    .selectFrom('revisions')
    .select('revision')
    .where('environment_id', '=', scope.environmentId)
    .where('module_id', '=', scope.moduleId)
    .executeTakeFirst();
  return row?.revision ?? 0;
}
