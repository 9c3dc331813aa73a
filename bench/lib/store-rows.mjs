import { importDist } from './paths.mjs';

// Run these after the server has stopped, so its buffered writes are in.

/** Counts rows of a table in a Tresor store, optionally only those whose `column` equals `value`. */
export async function countRows(location, table, filter) {
  return withStore(location, async (db) => {
    let query = db.selectFrom(table).select((eb) => eb.fn.countAll().as('count'));
    if (filter !== undefined) {
      query = query.where(filter.column, '=', filter.value);
    }
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.count);
  });
}

/** Sums the deliveries recorded in a Tresor store, adding up the count of every row. */
export async function countDeliveries(location) {
  return withStore(location, async (db) => {
    const row = await db
      .selectFrom('deliveries')
      .select((eb) => [eb.fn.sum('count').as('deliveries'), eb.fn.countAll().as('rows')])
      .executeTakeFirstOrThrow();
    return { deliveries: Number(row.deliveries ?? 0), rows: Number(row.rows) };
  });
}

async function withStore({ dataDir, databaseUrl }, read) {
  const { openStore } = await importDist('store/database.js');
  const { defaultDatabaseUrl } = await importDist('server/runtime.js');
  const store = openStore(databaseUrl ?? defaultDatabaseUrl(dataDir));
  try {
    return await read(store.db);
  } finally {
    await store.close();
  }
}
