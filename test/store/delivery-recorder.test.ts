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
  await withDeliveriesHidden(async () => {
    for (let index = 0; index < 12; index += 1) {
      await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.2.0.1');
    }
    await opened.runtime.services.flush();

    for (let index = 0; index < 5; index += 1) {
      await opened.runtime.services.delivery.deliver(seeded.serviceToken, '10.2.0.1');
    }
  });
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
  const { lines, logger } = captureLogger();
  const recorder = new DeliveryRecorder(opened.runtime.store.db, logger);
  const facts = await deliveryFactsOf(seeded.serviceToken);

  await withDeliveriesHidden(async () => {
    for (let index = 0; index < 9; index += 1) {
      recorder.record({ ...facts, address: '10.4.0.1' });
    }
    recorder.record({ ...facts, address: '10.4.0.2' });
    await recorder.close();
  });

  const lost = lines.find((line) => line.msg.startsWith('Lost delivery records'));
  expect(lost?.level).toBe(50);
  expect(lost?.deliveries).toBe(10);
  expect(lost?.rows).toBe(2);
  expect(lines.some((line) => line.msg.includes('Retrying'))).toBe(false);
  expect(countsByAddress().has('10.4.0.1')).toBe(false);
});

test('shutdown waits for a running write', async () => {
  const { lines, logger } = captureLogger();
  const recorder = new DeliveryRecorder(opened.runtime.store.db, logger);
  const facts = await deliveryFactsOf(seeded.serviceToken);

  await withDeliveriesHidden(async () => {
    for (let index = 0; index < 7; index += 1) {
      recorder.record({ ...facts, address: '10.5.0.1' });
    }
    // As the timer does: the write takes the rows out of the pending ones.
    void recorder.flush();
    await recorder.close();
  });

  const lost = lines.find((line) => line.msg.startsWith('Lost delivery records'));
  expect(lost?.deliveries).toBe(7);
});

test('outage holds back early writes', async () => {
  const { lines, logger } = captureLogger();
  const recorder = new DeliveryRecorder(opened.runtime.store.db, logger, { writeAtRows: 5 });
  const facts = await deliveryFactsOf(seeded.serviceToken);

  await withDeliveriesHidden(async () => {
    for (let index = 0; index < 60; index += 1) {
      recorder.record({ ...facts, address: `10.6.0.${index}` });
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  await recorder.close();

  expect(lines.filter((line) => line.msg.startsWith('Failed to record deliveries'))).toHaveLength(1);
  const counts = countsByAddress();
  expect([...counts.keys()].filter((address) => address.startsWith('10.6.0.'))).toHaveLength(60);
});

test('rejected row does not block others', async () => {
  const { lines, logger } = captureLogger();
  const recorder = new DeliveryRecorder(opened.runtime.store.db, logger);
  const facts = await deliveryFactsOf(seeded.serviceToken);

  recorder.record({ ...facts, token_id: 'no-such-token', address: '10.7.0.0' });
  for (let index = 1; index <= 30; index += 1) {
    recorder.record({ ...facts, address: `10.7.0.${index}` });
  }
  await recorder.close();

  const counts = countsByAddress();
  expect(counts.has('10.7.0.0')).toBe(false);
  expect([...counts.keys()].filter((address) => address.startsWith('10.7.0.'))).toHaveLength(30);
  const dropped = lines.find((line) => line.msg.startsWith('Dropped delivery records'));
  expect(dropped?.deliveries).toBe(1);
  expect(lines.some((line) => line.msg.startsWith('Lost delivery records'))).toBe(false);
});

interface LogLine {
  level: number;
  msg: string;
  deliveries?: number;
  rows?: number;
}

/** Returns a pino logger at warn level whose lines land in `lines`, parsed. */
function captureLogger(): { lines: LogLine[]; logger: pino.Logger } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  return { lines, logger: pino({ level: 'warn' }, sink) };
}

/** Runs `body` while the deliveries table has another name, so every insert into it fails. */
async function withDeliveriesHidden(body: () => Promise<void>): Promise<void> {
  const other = new SqliteDatabase(file);
  try {
    other.exec('ALTER TABLE deliveries RENAME TO parked_deliveries');
    try {
      await body();
    } finally {
      other.exec('ALTER TABLE parked_deliveries RENAME TO deliveries');
    }
  } finally {
    other.close();
  }
}

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
