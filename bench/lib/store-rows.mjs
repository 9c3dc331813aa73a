import { importDist } from './paths.mjs';

/**
 * Counts rows of a table in a Tresor store, optionally only those whose `column` equals
 * `value`. Run it after the server has stopped, so its buffered writes are in.
 */
export async function countRows({ dataDir, databaseUrl }, table, filter) {
  const { openStore } = await importDist('store/database.js');
  const { defaultDatabaseUrl } = await importDist('server/runtime.js');
  const store = openStore(databaseUrl ?? defaultDatabaseUrl(dataDir));
  try {
    let query = store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('count'));
    if (filter !== undefined) {
      query = query.where(filter.column, '=', filter.value);
    }
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.count);
  } finally {
    await store.close();
  }
}
