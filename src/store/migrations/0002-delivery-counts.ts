import type { Kysely } from 'kysely';

// Frozen, like 0001. From here on, a deliveries row counts every delivery of one token, at
// one revision, to one address, within one recording window (about a second). Each older
// row is one delivery, so the new column defaults to 1.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('deliveries')
    .addColumn('count', 'integer', (column) => column.notNull().defaultTo(1))
    .execute();

  // The token list asks for each token's latest delivery, and deleting a token cascades to
  // its deliveries: both scanned the whole table without this index.
  await db.schema.createIndex('deliveries_token_time').on('deliveries').columns(['token_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_token_time').execute();
  await db.schema.alterTable('deliveries').dropColumn('count').execute();
}
