import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { Writable } from 'node:stream';

import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, expect, test } from 'vitest';

import { DeliveryRecorder, type DeliveryFacts } from '../../src/services/delivery-recorder.js';
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

test('many addresses keep one row each', async () => {
  // More pending rows than one INSERT takes: the window still ends only at the flush.
  const addresses = Array.from({ length: 45 }, (_, index) => `10.3.0.${index + 1}`);
  for (let round = 0; round < 3; round += 1) {
    for (const address of addresses) {
      await opened.runtime.services.delivery.deliver(seeded.serviceToken, address);
    }
  }
  await opened.runtime.services.flush();

  const counts = countsByAddress();
  for (const address of addresses) {
    expect(counts.get(address)).toEqual({ rows: 1, count: 3 });
  }
});

test('records lost at shutdown are logged', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const recorder = new DeliveryRecorder(opened.runtime.store.db, logger);
  const facts = await deliveryFactsOf(seeded.serviceToken);

  const other = new SqliteDatabase(file);
  try {
    other.exec('ALTER TABLE deliveries RENAME TO parked_deliveries');
    for (let index = 0; index < 9; index += 1) {
      recorder.record({ ...facts, address: '10.4.0.1' });
    }
    recorder.record({ ...facts, address: '10.4.0.2' });
    await recorder.close();
    other.exec('ALTER TABLE parked_deliveries RENAME TO deliveries');
  } finally {
    other.close();
  }

  const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; deliveries?: number; rows?: number });
  const lost = entries.find((entry) => entry.msg.startsWith('Lost delivery records'));
  expect(lost?.level).toBe(50);
  expect(lost?.deliveries).toBe(10);
  expect(lost?.rows).toBe(2);
  expect(entries.some((entry) => entry.msg.includes('Retrying'))).toBe(false);
  expect(countsByAddress().has('10.4.0.1')).toBe(false);
});

/** Reads the ids a delivery with this service token records, from a delivery the runtime recorded. */
async function deliveryFactsOf(token: string): Promise<DeliveryFacts> {
  await opened.runtime.services.delivery.deliver(token, '10.4.0.0');
  await opened.runtime.services.flush();
  const reader = new SqliteDatabase(file, { readonly: true });
  try {
    return reader
      .prepare("SELECT token_id, app_id, environment_id, module_id, revision, address FROM deliveries WHERE address = '10.4.0.0'")
      .get() as DeliveryFacts;
  } finally {
    reader.close();
  }
}

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
