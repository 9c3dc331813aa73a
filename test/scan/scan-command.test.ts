import { symlink } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { generateToken } from '../../src/crypto/tokens.js';
import { runCli, type CliResult } from '../support/cli.js';
import { assertBuilt } from '../support/tresor-server.js';
import { createTempFolder, FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SECRET_ACCESS_KEY, fakePem, KEY_BODY_LINES, leakedSecretFiles, type TempFolder } from './fixtures.js';

interface JsonReport {
  findings: Array<{ file: string; line: number; kind: string; excerpt: string }>;
}

function parseReport(result: CliResult): JsonReport {
  return JSON.parse(result.stdout) as JsonReport;
}

function expectNoSecretIn(result: CliResult, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('tresor scan', () => {
  let folder: TempFolder;

  beforeAll(() => {
    assertBuilt();
  });

  beforeEach(async () => {
    folder = await createTempFolder();
  });

  afterEach(async () => {
    await folder.remove();
  });

  async function writeLeakedSecrets(): Promise<Record<string, string>> {
    const files = leakedSecretFiles();
    for (const [name, content] of Object.entries(files)) {
      await folder.write(name, content);
    }
    return files;
  }

  it('finds the leaked secrets as JSON', async () => {
    const files = await writeLeakedSecrets();

    const result = await runCli(['scan', folder.root, '--format', 'json']);

    expect(result.status).toBe(1);
    const report = parseReport(result);
    expect(Object.keys(report)).toEqual(['findings']);
    expect(report.findings.map(({ file, line, kind }) => ({ file, line, kind }))).toEqual([
      { file: 'oneline.env', line: 1, kind: 'private key' },
      { file: 'pkcs8.pem', line: 1, kind: 'private key' },
      { file: 'quoted-aws.env', line: 1, kind: 'AWS access key id' },
      { file: 'quoted-aws.env', line: 2, kind: 'AWS secret access key' },
      { file: 'sa-b64.env', line: 1, kind: 'private key (found after base64-decoding)' },
      { file: 'sa.json', line: 1, kind: 'private key' },
    ]);
    for (const finding of report.findings) {
      expect(finding.excerpt).toMatch(/^.{4}…$/u);
    }
    expect(result.stderr).toContain('6 findings in 5 files');

    const encodedServiceAccount = files['sa-b64.env']!.slice('GCP_SA_B64='.length).trim();
    expectNoSecretIn(result, [KEY_BODY_LINES[0], KEY_BODY_LINES[1], FAKE_AWS_SECRET_ACCESS_KEY, FAKE_AWS_ACCESS_KEY_ID, encodedServiceAccount]);
  });

  it('prints one line per finding as text', async () => {
    await writeLeakedSecrets();

    const result = await runCli(['scan', folder.root]);

    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')).toEqual([
      'oneline.env:1: private key: RkFL…',
      'pkcs8.pem:1: private key: RkFL…',
      'quoted-aws.env:1: AWS access key id: AKIA…',
      'quoted-aws.env:2: AWS secret access key: FAKE…',
      'sa-b64.env:1: private key (found after base64-decoding): eyJ0…',
      'sa.json:1: private key: RkFL…',
      '',
    ]);
    expect(result.stderr).toContain('Scanned 5 files');
    expect(result.stderr).toContain('6 findings in 5 files');
    expectNoSecretIn(result, [KEY_BODY_LINES[0], KEY_BODY_LINES[1], FAKE_AWS_SECRET_ACCESS_KEY]);
  });

  it('accepts --json for --format json', async () => {
    await writeLeakedSecrets();

    const result = await runCli(['scan', '--json', folder.root]);

    expect(result.status).toBe(1);
    expect(parseReport(result).findings).toHaveLength(6);
  });

  it('exits 0 on a clean folder', async () => {
    await folder.write('README.md', '# Demo\n\nSet DATABASE_URL with `tresor secrets set`.\n');
    await folder.write('src/index.js', "console.log(process.env.GREETING ?? 'hello');\n");

    const json = await runCli(['scan', folder.root, '--format', 'json']);
    const text = await runCli(['scan', folder.root]);

    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ findings: [] });
    expect(text.status).toBe(0);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('Scanned 2 files');
    expect(text.stderr).toContain('no secrets found');
  });

  it('scans the current folder by default', async () => {
    await folder.write('nested/deeper/key.pem', `${fakePem()}\n`);

    const result = await runCli(['scan', '--format', 'json'], { cwd: folder.root });

    expect(result.status).toBe(1);
    expect(parseReport(result).findings.map((finding) => finding.file)).toEqual(['nested/deeper/key.pem']);
  });

  it('scans a single file', async () => {
    await writeLeakedSecrets();

    const result = await runCli(['scan', path.join(folder.root, 'quoted-aws.env'), '--format', 'json']);

    expect(result.status).toBe(1);
    expect(parseReport(result).findings.map(({ file, line }) => `${file}:${line}`)).toEqual(['quoted-aws.env:1', 'quoted-aws.env:2']);
  });

  it('exits 2 naming a missing path', async () => {
    const missing = path.join(folder.root, 'no-such-folder');

    const result = await runCli(['scan', missing, '--format', 'json']);

    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toContain('no such file or folder');
  });

  it('exits 2 on an unknown format', async () => {
    const result = await runCli(['scan', folder.root, '--format', 'xml']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('xml');
  });

  it('skips .git, node_modules and dist', async () => {
    await folder.write('.git/objects/leaked.pem', `${fakePem()}\n`);
    await folder.write('node_modules/some-package/test/key.pem', `${fakePem()}\n`);
    await folder.write('dist/config.js', `export const key = "${fakePem('', '\\n')}";\n`);
    await folder.write('src/app.js', 'export const port = 8080;\n');

    const result = await runCli(['scan', folder.root, '--format', 'json']);

    expect(result.status).toBe(0);
    expect(parseReport(result).findings).toEqual([]);
    expect(result.stderr).toContain('Scanned 1 file ');
  });

  it('skips binary and large files', async () => {
    await folder.write('image.bin', Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.from(`${fakePem()}\n`)]));
    await folder.write('large.txt', `${fakePem()}\n${'x'.repeat(1024 * 1024)}\n`);
    await folder.write('small.txt', 'nothing to see\n');

    const result = await runCli(['scan', folder.root, '--format', 'json']);

    expect(result.status).toBe(0);
    expect(parseReport(result).findings).toEqual([]);
    expect(result.stderr).toContain('Scanned 1 file');
    expect(result.stderr).toContain('skipped 2 binary or large files');
  });

  it('does not follow symbolic links', async () => {
    const outside = await createTempFolder();
    try {
      await outside.write('key.pem', `${fakePem()}\n`);
      await folder.write('app.js', 'export {};\n');
      await symlink(path.join(outside.root, 'key.pem'), path.join(folder.root, 'linked.pem'));
      await symlink(outside.root, path.join(folder.root, 'linked-folder'));
      await symlink(folder.root, path.join(folder.root, 'loop'));

      const result = await runCli(['scan', folder.root, '--format', 'json']);

      expect(result.status).toBe(0);
      expect(parseReport(result).findings).toEqual([]);
    } finally {
      await outside.remove();
    }
  });

  it('finds a Tresor token in a shell script', async () => {
    const token = generateToken('service');
    await folder.write('deploy/start.sh', `#!/bin/sh\nexport TRESOR_TOKEN=${token}\nexec tresor run -- node server.js\n`);

    const result = await runCli(['scan', folder.root, '--format', 'json']);

    expect(result.status).toBe(1);
    expect(parseReport(result).findings).toEqual([{ file: 'deploy/start.sh', line: 2, kind: 'Tresor token', excerpt: 'tsr_…' }]);
    expectNoSecretIn(result, [token]);
  });
  it('scans file names with line breaks and escapes', async () => {
    // Each name once crashed secretlint's profiler, which parses the path back out of a
    // performance mark name.
    const names = ['a\nb.txt', 'c\u001b[31mred.txt', 'x::end.txt', 'crlf\r\nname.env'];
    for (const name of names) {
      await folder.write(name, 'hello=world\n');
    }

    const text = await runCli(['scan', folder.root]);
    const json = await runCli(['scan', folder.root, '--format', 'json']);

    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('Scanned 4 files');
    expect(text.stderr).toContain('no secrets found');
    expect(text.stderr).not.toContain('Exception');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ findings: [] });
  });

  it('escapes control characters of a file name in findings', async () => {
    const forged = 'key.pem\nforged.env:1: AWS access key id: AKIA\u001b[2K';
    await folder.write(forged, `${fakePem()}\n`);

    const text = await runCli(['scan', folder.root]);
    const json = await runCli(['scan', folder.root, '--format', 'json']);
    const single = await runCli(['scan', path.join(folder.root, forged)]);

    expect(text.status, text.stderr).toBe(1);
    expect(text.stdout).toBe('key.pem\\nforged.env:1: AWS access key id: AKIA\\u001b[2K:1: private key: RkFL…\n');
    expect(text.stderr).not.toContain('\u001b');
    expect(json.status).toBe(1);
    expect(parseReport(json).findings.map((finding) => finding.file)).toEqual([forged]);
    expect(single.status).toBe(1);
    expect(single.stdout.split('\n')).toHaveLength(2);
    expect(single.stderr).not.toContain('\u001b');
  });

  it('keeps the rules that select files by name', async () => {
    const npmToken = '0123456789abcdef0123456789abcdef';
    const npmrc = `//registry.npmjs.org/:_authToken=${npmToken}\n`;
    const oauthToken = '0123456789abcdef0123456789abcdef01234567';
    const manifest = `{ "repository": "https://${oauthToken}:x-oauth-basic@github.com/org/repo.git" }\n`;
    await folder.write('.npmrc', npmrc);
    await folder.write('notes.txt', npmrc);
    await folder.write('app/package.json', manifest);
    await folder.write('app/other.json', manifest);

    const result = await runCli(['scan', folder.root, '--format', 'json']);

    expect(result.status, result.stderr).toBe(1);
    expect(parseReport(result).findings.map(({ file, kind }) => `${file}: ${kind}`)).toEqual([
      '.npmrc: npm token',
      'app/other.json: URL with a password',
      'app/package.json: GitHub token',
      'app/package.json: URL with a password',
    ]);
    expectNoSecretIn(result, [npmToken, oauthToken]);
  });
});
