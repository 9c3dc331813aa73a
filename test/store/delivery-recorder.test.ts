import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';

import { openTestRuntime, randomRootKey, seedData, type SeededData } from './support/runtime.js';

// A deliveries row counts the deliveries of one token, revision and address. These tests
// check the counts in a real SQLite file, also across a write that fails and is retried.

let folder: string;
let file: string;
let opened: Awaited<ReturnType<typeof openTestRuntime>>;
let seeded: SeededData;

beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'tresor-recorder-'));
  file = path.join(folder, 'tresor.db');
  opened = await openTestRuntime(file, randomRootKey());
  seeded = await seedData(opened.runtime);
});

afterEach(async () => {
  await opened.close();
  await rm(folder, { recursive: true, force: true });
});

test('one row per address', async () => {
  const before = countsByAddress();

  for (let index = 0; index < 30; index += 1) {
    await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.1.0.1');
  }
  for (let index = 0; index < 4; index += 1) {
    await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.1.0.2');
  }
  await opened.runtime.services.flush();

  const after = countsByAddress();
  expect(after.get('10.1.0.1')).toEqual({ rows: 1, count: 30 });
  expect(after.get('10.1.0.2')).toEqual({ rows: 1, count: 4 });
  expect(after.get('10.0.0.7')).toEqual(before.get('10.0.0.7'));
});

test('failed write keeps its counts', async () => {
  const other = new SqliteDatabase(file);
  try {
    // Hide the table from the recorder, so its next insert fails.
    other.exec('ALTER TABLE deliveries RENAME TO parked_deliveries');
    for (let index = 0; index < 12; index += 1) {
      await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.2.0.1');
    }
    await opened.runtime.services.flush();
    expect(other.prepare("SELECT count(*) AS n FROM parked_deliveries WHERE address = '10.2.0.1'").get()).toEqual({ n: 0 });

    for (let index = 0; index < 5; index += 1) {
      await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.2.0.1');
    }
    other.exec('ALTER TABLE parked_deliveries RENAME TO deliveries');
  } finally {
    other.close();
  }
  await opened.runtime.services.flush();

  expect(countsByAddress().get('10.2.0.1')).toEqual({ rows: 1, count: 17 });
});

function countsByAddress(): Map<string, { rows: number; count: number }> {
  const reader = new SqliteDatabase(file, { readonly: true });
  try {
    const rows = reader.prepare('SELECT address, count(*) AS rows, sum(count) AS count FROM deliveries GROUP BY address').all() as {
      address: string;
      rows: number;
      count: number;
    }[];
    return new Map(rows.map((row) => [row.address, { rows: row.rows, count: row.count }]));
  } finally {
    reader.close();
  }
}
