import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, test } from 'vitest';

import { api, loginOwner, runTresorSync, startTresorServer } from '../support/tresor-server.js';

const folders: string[] = [];

function temporaryFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tresor-startup-'));
  folders.push(folder);
  return folder;
}

afterEach(() => {
  for (const folder of folders.splice(0)) {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

/** Creates a data folder whose SQLite database contains one encrypted secret. */
async function dataFolderWithSecret(): Promise<string> {
  const dataDir = temporaryFolder();
  const databaseUrl = `sqlite:${path.join(dataDir, 'tresor.db')}`;
  const server = await startTresorServer({ dataDir, databaseUrl });
  try {
    const owner = await loginOwner(server.url);
    await api(server.url, owner, 'POST', '/apps', { name: 'keys' });
    await api(server.url, owner, 'POST', '/apps/keys/environments', { name: 'prod' });
    await api(server.url, owner, 'POST', '/apps/keys/modules', { name: 'api' });
    const write = await api(server.url, owner, 'PUT', '/apps/keys/environments/prod/modules/api/secrets/SEALED', { value: 'sealed-value' });
    expect(write.status).toBe(200);
  } finally {
    await server.stop();
  }
  return dataDir;
}

function serve(dataDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  // Port 0 and a short timeout: a server that does start is stopped by the timeout.
  return runTresorSync(['server', '--data-dir', dataDir, '--port', '0', ...extra], { env: { TRESOR_ROOT_KEY: undefined, ...env } });
}

describe('server start-up checks', () => {
  test('wrong root key is refused', async () => {
    const dataDir = await dataFolderWithSecret();
    const result = serve(dataDir, [], { TRESOR_ROOT_KEY: randomBytes(32).toString('base64') });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is not the key this database was encrypted with');
    expect(result.stderr).not.toContain('    at ');
  });

  test('missing key file is not replaced', async () => {
    const dataDir = await dataFolderWithSecret();
    fs.rmSync(path.join(dataDir, 'root.key'));

    const result = serve(dataDir);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('does not exist');
    expect(fs.existsSync(path.join(dataDir, 'root.key'))).toBe(false);
  });

  test('unsupported database scheme is named', () => {
    const folder = temporaryFolder();
    const result = runTresorSync(['server', '--data-dir', folder, '--database', 'mysql://db.example.internal/x', '--port', '0'], { cwd: folder });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Unsupported database URL scheme "mysql:"');
    expect(fs.existsSync(path.join(folder, 'mysql:'))).toBe(false);
  });

  test('port in use is explained', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = runTresorSync(['server', '--data-dir', temporaryFolder(), '--port', String(port)]);

      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});
