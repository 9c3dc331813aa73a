import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { readTestDialect } from '../support/test-dialect.js';
import { api, loginOwner, startTresorServer, type TresorServer } from '../support/tresor-server.js';

// The server checkpoints SQLite's WAL in a worker thread, so the event loop never stops
// for a checkpoint. PostgreSQL has no such file, so this runs in the SQLite run only.
describe.skipIf(readTestDialect() !== 'sqlite')('WAL checkpoints', () => {
  let folder: string;
  let server: TresorServer;
  let databaseFile: string;

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tresor-wal-'));
    databaseFile = path.join(folder, 'tresor.db');
    server = await startTresorServer({ databaseUrl: `sqlite:${databaseFile}` });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test('writes reach the database file', async () => {
    const owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'wal' });
    await api(server.url, owner, 'POST', '/apps/wal/environments', { name: 'prod' });
    await api(server.url, owner, 'POST', '/apps/wal/modules', { name: 'api' });
    // Wait for the checkpoint of the set-up, then measure from there.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sizeBefore = fs.statSync(databaseFile).size;

    const secrets = Array.from({ length: 400 }, (_, index) => ({ key: `KEY_${index}`, value: 'x'.repeat(2000) }));
    const write = await api(server.url, owner, 'POST', '/apps/wal/environments/prod/modules/api/secrets', { secrets });
    expect(write.status).toBe(200);

    // About 1 MB went to the WAL, a quarter of SQLite's own checkpoint threshold, so only
    // the worker's checkpoint copies it into the database file.
    const deadline = Date.now() + 10_000;
    let sizeAfter = sizeBefore;
    while (sizeAfter < sizeBefore + 500_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      sizeAfter = fs.statSync(databaseFile).size;
    }
    expect(sizeAfter).toBeGreaterThan(sizeBefore + 500_000);
  });
});
