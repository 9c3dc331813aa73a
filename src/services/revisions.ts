import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.js';
import { nowIso } from './context.js';
import type { ScopeIds } from './data-keys.js';

/**
 * Takes the write lock of a scope inside a transaction and returns its current revision.
 * The no-op UPDATE makes PostgreSQL lock the row until the transaction ends, so writers to
 * one (environment, module) run one after another and do not lose each other's versions
 * (test/postgres/concurrent-writes.test.ts checks 1,000 of them). SQLite has one writer at
 * a time anyway.
 */
export async function lockRevision(trx: Kysely<Database>, scope: ScopeIds): Promise<number> {
  await trx
    .insertInto('revisions')
    .values({
      app_id: scope.appId,
      environment_id: scope.environmentId,
      module_id: scope.moduleId,
      revision: 0,
      updated_at: nowIso(),
    })
    .onConflict((conflict) => conflict.columns(['environment_id', 'module_id']).doNothing())
    .execute();

  const row = await trx
    .updateTable('revisions')
    .set((eb) => ({ revision: eb.ref('revision') }))
    .where('environment_id', '=', scope.environmentId)
    .where('module_id', '=', scope.moduleId)
    .returning('revision')
    .executeTakeFirstOrThrow();
  return row.revision;
}

/** Moves a locked scope to its next revision; call once per transaction that changed it. */
export async function bumpRevision(trx: Kysely<Database>, scope: ScopeIds): Promise<number> {
  const row = await trx
    .updateTable('revisions')
    .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: nowIso() }))
    .where('environment_id', '=', scope.environmentId)
    .where('module_id', '=', scope.moduleId)
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
