import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadRootKey } from '../../src/crypto/root-key.js';
import { TresorError } from '../../src/domain/errors.js';

let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tresor-root-key-'));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function expectRejection(promise: Promise<unknown>): Promise<TresorError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TresorError);
  expect((error as TresorError).code).toBe('VALIDATION_FAILED');
  return error as TresorError;
}

async function writeKeyFile(path: string, text: string, mode: number): Promise<void> {
  await writeFile(path, text, { mode });
  // writeFile's mode is narrowed by the umask, so set it explicitly.
  await chmod(path, mode);
}

describe('loadRootKey from TRESOR_ROOT_KEY', () => {
  it('accepts base64 of 32 bytes', async () => {
    const key = randomBytes(32);
    const source = await loadRootKey({ env: { TRESOR_ROOT_KEY: key.toString('base64') }, dataDir: workDir });

    expect(source.key).toEqual(key);
    expect(source.origin).toBe('environment');
    expect(source.created).toBe(false);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('accepts one trailing newline', async () => {
    const key = randomBytes(32);
    const source = await loadRootKey({ env: { TRESOR_ROOT_KEY: `${key.toString('base64')}\n` }, dataDir: workDir });

    expect(source.key).toEqual(key);
  });

  const valid = randomBytes(32).toString('base64');
  // These bytes encode to "+" and "/" in standard base64, so base64url differs from it.
  const urlUnsafeKey = Buffer.from(`${'fbefbe'.repeat(10)}ffff`, 'hex');
  const invalidKeys: [string, string][] = [
    ['empty', ''],
    ['only a newline', '\n'],
    ['short', randomBytes(16).toString('base64')],
    ['long', randomBytes(48).toString('base64')],
    ['one byte short', randomBytes(31).toString('base64')],
    ['not base64', 'this-is-not!base64@at#all$and%long^enough&x'],
    ['base64url', `${urlUnsafeKey.toString('base64url')}=`],
    ['missing padding', valid.slice(0, -1)],
    ['leading space', ` ${valid}`],
    ['inner space', `${valid.slice(0, 20)} ${valid.slice(20)}`],
    ['two trailing newlines', `${valid}\n\n`],
    ['trailing CRLF', `${valid}\r\n`],
    ['trailing space', `${valid} `],
    ['hex instead of base64', randomBytes(32).toString('hex')],
  ];

  for (const [name, text] of invalidKeys) {
    it(`rejects a key that is ${name}`, async () => {
      const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY: text }, dataDir: workDir }));

      expect(error.message).toContain('TRESOR_ROOT_KEY');
      expect(error.message).toContain('openssl rand -base64 32');
      if (text.trim().length > 0) {
        expect(error.message).not.toContain(text.trim());
        expect(error.message).not.toContain(text.trim().slice(0, 8));
      }
    });
  }

  it('names the decoded length of a short key', async () => {
    const error = await expectRejection(
      loadRootKey({ env: { TRESOR_ROOT_KEY: randomBytes(16).toString('base64') }, dataDir: workDir }),
    );

    expect(error.message).toContain('decodes to 16 bytes');
  });

  it('takes precedence over key files', async () => {
    const key = randomBytes(32);
    const filePath = join(workDir, 'other.key');
    await writeKeyFile(filePath, `${randomBytes(32).toString('base64')}\n`, 0o600);

    const source = await loadRootKey({
      env: { TRESOR_ROOT_KEY: key.toString('base64'), TRESOR_ROOT_KEY_FILE: filePath },
      dataDir: workDir,
    });

    expect(source.key).toEqual(key);
    expect(source.origin).toBe('environment');
  });
});

describe('loadRootKey from TRESOR_ROOT_KEY_FILE', () => {
  it('reads the named file', async () => {
    const key = randomBytes(32);
    const filePath = join(workDir, 'mounted.key');
    await writeKeyFile(filePath, `${key.toString('base64')}\n`, 0o600);
    const dataDir = join(workDir, 'data');

    const source = await loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: filePath }, dataDir });

    expect(source).toEqual({ key, origin: 'file', path: filePath, created: false });
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });

  it('accepts a read-only owner mode', async () => {
    const key = randomBytes(32);
    const filePath = join(workDir, 'mounted.key');
    await writeKeyFile(filePath, key.toString('base64'), 0o400);

    const source = await loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: filePath }, dataDir: workDir });

    expect(source.key).toEqual(key);
  });

  it('rejects a missing file without creating it', async () => {
    const filePath = join(workDir, 'missing.key');

    const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: filePath }, dataDir: workDir }));

    expect(error.message).toContain('TRESOR_ROOT_KEY_FILE');
    expect(error.message).toContain(filePath);
    expect(error.message).toContain('does not exist');
    expect(await readdir(workDir)).toEqual([]);
  });

  it('rejects an empty variable', async () => {
    const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: '' }, dataDir: workDir }));

    expect(error.message).toContain('TRESOR_ROOT_KEY_FILE');
  });

  it('rejects a file with invalid content', async () => {
    const text = randomBytes(16).toString('base64');
    const filePath = join(workDir, 'short.key');
    await writeKeyFile(filePath, text, 0o600);

    const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: filePath }, dataDir: workDir }));

    expect(error.message).toContain(filePath);
    expect(error.message).toContain('TRESOR_ROOT_KEY_FILE');
    expect(error.message).not.toContain(text);
  });

  it('rejects a directory', async () => {
    const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: workDir }, dataDir: workDir }));

    expect(error.message).toContain('not a regular file');
  });

  it('rejects a file that group or others can read', async () => {
    const filePath = join(workDir, 'shared.key');
    const text = randomBytes(32).toString('base64');
    await writeKeyFile(filePath, text, 0o640);

    const error = await expectRejection(loadRootKey({ env: { TRESOR_ROOT_KEY_FILE: filePath }, dataDir: workDir }));

    expect(error.message).toContain(`chmod 600 ${filePath}`);
    expect(error.message).toContain('640');
    expect(error.message).not.toContain(text);
  });
});

describe('loadRootKey from the data directory', () => {
  it('creates root.key with mode 0600 on first load', async () => {
    const dataDir = join(workDir, 'data');

    const source = await loadRootKey({ env: {}, dataDir });

    const filePath = join(dataDir, 'root.key');
    expect(source.origin).toBe('file');
    expect(source.path).toBe(filePath);
    expect(source.created).toBe(true);
    expect(source.key.length).toBe(32);
    expect((await stat(filePath)).mode & 0o777).toBe(0o600);
    expect(await readFile(filePath, 'utf8')).toBe(`${source.key.toString('base64')}\n`);
  });

  it('creates a missing data directory with mode 0700', async () => {
    const dataDir = join(workDir, 'nested', 'data');

    await loadRootKey({ env: {}, dataDir });

    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('reuses the key file on the second load', async () => {
    const dataDir = join(workDir, 'data');

    const first = await loadRootKey({ env: {}, dataDir });
    const second = await loadRootKey({ env: {}, dataDir });

    expect(second.key).toEqual(first.key);
    expect(second.created).toBe(false);
    expect(second.path).toBe(first.path);
    expect(await readdir(dataDir)).toEqual(['root.key']);
  });

  it('gives concurrent first loads one key', async () => {
    const dataDir = join(workDir, 'data');

    const sources = await Promise.all(Array.from({ length: 8 }, () => loadRootKey({ env: {}, dataDir })));

    expect(sources.filter((source) => source.created)).toHaveLength(1);
    for (const source of sources) {
      expect(source.key).toEqual(sources[0]?.key);
    }
    expect(await readdir(dataDir)).toEqual(['root.key']);
  });

  it('rejects a key file with mode 0644', async () => {
    const dataDir = join(workDir, 'data');
    const { key, path } = await loadRootKey({ env: {}, dataDir });
    await chmod(path as string, 0o644);

    const error = await expectRejection(loadRootKey({ env: {}, dataDir }));

    expect(error.message).toContain(`chmod 600 ${path as string}`);
    expect(error.message).not.toContain(key.toString('base64'));
  });

  it('rejects an empty key file instead of replacing it', async () => {
    const dataDir = join(workDir, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    const filePath = join(dataDir, 'root.key');
    await writeKeyFile(filePath, '', 0o600);

    const error = await expectRejection(loadRootKey({ env: {}, dataDir }));

    expect(error.message).toContain(filePath);
    expect(error.message).toContain('empty');
    expect(await readFile(filePath, 'utf8')).toBe('');
  });
});
