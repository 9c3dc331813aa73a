import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { Keyring } from '../../src/crypto/keyring.js';
import { parseRootKey } from '../../src/crypto/root-key-text.js';
import { createBackup } from '../../src/store/backup/create-backup.js';
import { restoreBackup, verifyBackup } from '../../src/store/backup/restore-backup.js';
import { openStore } from '../../src/store/database.js';
import { createTestDatabaseUrl, isTestDatabaseAvailable, type TestDatabase } from '../support/test-database.js';
import { dumpTables, openTestRuntime, randomRootKey, seedData } from './support/runtime.js';

const CORRUPT = /is corrupt or was made with another root key, so nothing was restored/;

/** The byte ranges of a backup file: the header line, then each segment's length prefix and sealed bytes. */
interface Layout {
  headerEnd: number;
  segments: Array<{ start: number; sealedStart: number; end: number }>;
}

function layoutOf(bytes: Buffer): Layout {
  const headerEnd = bytes.indexOf(0x0a) + 1;
  const segments: Layout['segments'] = [];
  for (let start = headerEnd; start < bytes.length; ) {
    const end = start + 4 + bytes.readUInt32BE(start);
    segments.push({ start, sealedStart: start + 4, end });
    start = end;
  }
  return { headerEnd, segments };
}

function flipByte(bytes: Buffer, position: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[position] = (copy[position] as number) ^ 0x01;
  return copy;
}

describe.skipIf(!isTestDatabaseAvailable())('tampered backups', () => {
  let folder: string;
  let source: TestDatabase;
  let closeSource: () => Promise<void>;
  let keyring: Keyring;
  let original: Buffer;
  let layout: Layout;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tresor-backup-tamper-'));
    const rootKey = randomRootKey();
    keyring = new Keyring([parseRootKey(rootKey, 'test root key')]);
    source = await createTestDatabaseUrl();
    const opened = await openTestRuntime(source.url, rootKey);
    closeSource = opened.close;
    await seedData(opened.runtime);
    const file = path.join(folder, 'original.backup');
    await createBackup(opened.runtime.store, keyring, file);
    original = await readFile(file);
    layout = layoutOf(original);
  });

  afterAll(async () => {
    await closeSource?.();
    await source?.cleanup();
    await rm(folder, { recursive: true, force: true });
  });

  async function writeVariant(name: string, bytes: Buffer): Promise<string> {
    const file = path.join(folder, `${name.replaceAll(' ', '-')}.backup`);
    await writeFile(file, bytes, { mode: 0o600 });
    return file;
  }

  test('untouched copy verifies', async () => {
    const file = await writeVariant('copy', original);

    await expect(verifyBackup(keyring, file)).resolves.toMatchObject({ header: { rootKeyId: keyring.primaryKeyId } });
    expect(layout.segments.length).toBeGreaterThanOrEqual(3);
  });

  test('every changed part fails alike', async () => {
    const first = layout.segments[0]!;
    const last = layout.segments.at(-1)!;
    const variants: Record<string, Buffer> = {
      'header createdAt digit': flipByte(original, original.indexOf('"createdAt":"') + 14),
      'header backup id': flipByte(original, original.indexOf('"backupId":"') + 13),
      'length prefix': flipByte(original, first.start + 3),
      'format byte': flipByte(original, first.sealedStart),
      nonce: flipByte(original, first.sealedStart + 5),
      ciphertext: flipByte(original, first.sealedStart + 20),
      tag: flipByte(original, first.end - 1),
      'last segment tag': flipByte(original, last.end - 1),
    };

    for (const [name, bytes] of Object.entries(variants)) {
      const file = await writeVariant(name, bytes);
      await expect(verifyBackup(keyring, file), name).rejects.toThrow(CORRUPT);
    }
  });

  test('cut, padded or reordered files fail', async () => {
    const [first, second, third] = layout.segments as [Layout['segments'][0], Layout['segments'][0], Layout['segments'][0]];
    const header = original.subarray(0, layout.headerEnd);
    const variants: Record<string, Buffer> = {
      'without end segment': original.subarray(0, layout.segments.at(-1)!.start),
      'cut inside a segment': original.subarray(0, original.length - 7),
      'header only': header,
      'trailing bytes': Buffer.concat([original, Buffer.from([0, 0, 0, 1, 42])]),
      'second segment dropped': Buffer.concat([header, original.subarray(first.start, first.end), original.subarray(third.start)]),
      'segments swapped': Buffer.concat([
        header,
        original.subarray(second.start, second.end),
        original.subarray(first.start, first.end),
        original.subarray(third.start),
      ]),
      'not a backup': Buffer.from('DATABASE_URL=postgres://example\n'),
      empty: Buffer.alloc(0),
    };

    for (const [name, bytes] of Object.entries(variants)) {
      const file = await writeVariant(name, bytes);
      await expect(verifyBackup(keyring, file), name).rejects.toThrow(CORRUPT);
    }
  });

  test('segment from another backup fails', async () => {
    const secondFile = path.join(folder, 'second.backup');
    const store = openStore(source.url);
    await createBackup(store, keyring, secondFile);
    await store.close();
    const other = await readFile(secondFile);
    const otherLayout = layoutOf(other);
    const firstOther = otherLayout.segments[0]!;

    const spliced = Buffer.concat([
      original.subarray(0, layout.headerEnd),
      other.subarray(firstOther.start, firstOther.end),
      original.subarray(layout.segments[1]!.start),
    ]);

    const file = await writeVariant('spliced', spliced);
    await expect(verifyBackup(keyring, file)).rejects.toThrow(CORRUPT);
  });

  test('another root key names both ids', async () => {
    const otherKeyring = new Keyring([parseRootKey(randomRootKey(), 'other root key')]);
    const file = path.join(folder, 'original.backup');

    const failure = verifyBackup(otherKeyring, file);

    await expect(failure).rejects.toThrow(CORRUPT);
    await expect(failure).rejects.toThrow(`It names root key id ${keyring.primaryKeyId}, but the root key in use has id ${otherKeyring.primaryKeyId}`);
  });

  test('forged root key id fails alike', async () => {
    const otherKeyring = new Keyring([parseRootKey(randomRootKey(), 'other root key')]);
    const forged = Buffer.from(original.toString('latin1').replace(keyring.primaryKeyId, otherKeyring.primaryKeyId), 'latin1');
    const file = path.join(folder, 'forged.backup');
    await writeFile(file, forged, { mode: 0o600 });

    await expect(verifyBackup(otherKeyring, file)).rejects.toThrow(CORRUPT);
  });

  test('failed restore leaves target empty', async () => {
    const target = await createTestDatabaseUrl();
    const store = openStore(target.url);
    try {
      const file = path.join(folder, 'late-damage.backup');
      await writeFile(file, flipByte(original, layout.segments.at(-2)!.end - 1), { mode: 0o600 });

      await expect(restoreBackup(store, keyring, file)).rejects.toThrow(CORRUPT);

      const rows = await dumpTables(store.db);
      expect(Object.values(rows).every((tableRows) => tableRows.length === 0)).toBe(true);
    } finally {
      await store.close();
      await target.cleanup();
    }
  });
});
