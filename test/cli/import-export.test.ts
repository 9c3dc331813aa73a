import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import dotenv from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';

import { addModule, createScope, createServiceToken, loginOwnerCli, type CliResult, type CliUser, type TestScope } from '../support/cli.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';

/** Builds a fake PEM block: base64 of a fixed text, 64 characters a line, with a final LF. */
function fakePem(label: string): string {
  const body = Buffer.from(`tresor-test-key-material-${label}-`.repeat(6)).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// Every value that a .env round trip through dotenv must carry unchanged.
const ROUND_TRIP_VALUES: Record<string, string> = {
  PEM_KEY: fakePem('round-trip'),
  JSON_TEXT: '{"msg":"line1\\nline2"}',
  WINDOWS_PATH: 'C:\\Users\\svc\\app',
  TRAILING_BACKSLASH: 'C:\\temp\\',
  PATTERN: '^\\d+\\s*$',
  MIXED_QUOTES: 'he said "hi" and it\'s fine',
  BANG: 'a!b',
  HASH_SPACE: 'x #y',
  PADDED: '  padded  ',
  DOLLARS: 'cost$5 ${HOME} `id`',
  TAB: 'a\tb',
  CARRIAGE_RETURN: 'a\rb',
  EMPTY: '',
};

describe('tresor secrets import and export', () => {
  let server: TresorServer;
  let owner: CliUser;
  let workDir: string;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-import-export-'));
  });

  afterAll(async () => {
    await owner?.cleanup();
    await server?.stop();
    if (workDir !== undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  async function writeInput(name: string, content: string | Buffer): Promise<string> {
    const file = path.join(workDir, `${process.pid}-${Math.random().toString(16).slice(2)}-${name}`);
    await writeFile(file, content);
    return file;
  }

  async function importFile(scope: TestScope, file: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
    return owner.run(['secrets', 'import', ...scope.flags, ...extra, file], { env });
  }

  async function exportAs(scope: TestScope, format: string, extra: string[] = []): Promise<CliResult> {
    return owner.run(['secrets', 'export', ...scope.flags, '--format', format, ...extra]);
  }

  async function revealAll(scope: TestScope): Promise<Record<string, string>> {
    const result = await exportAs(scope, 'json');
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, string>;
  }

  async function runWithSecrets(scope: TestScope, script: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const token = await createServiceToken(owner, scope);
    return owner.run(['run', '--', process.execPath, '-e', script], { env: { TRESOR_TOKEN: token, TRESOR_SERVER: server.url, ...env } });
  }

  test('.env with a multi-line PEM and a JSON key file', async () => {
    const scope = await createScope(owner, 'pem');
    const pem = fakePem('dotenv');
    const serviceAccount = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nRkFLRQ==\\n-----END PRIVATE KEY-----\\n","client_email":"robot@tresor.test"}';
    // The closing double quote of TLS_KEY is alone on its line, after the PEM's final LF.
    const file = await writeInput('multi.env', `BEFORE=1\nTLS_KEY="${pem}"\nSA_JSON='${serviceAccount}'\nAFTER=2\n`);

    const imported = await importFile(scope, file);
    expect(imported.status, imported.stderr).toBe(0);
    expect(await revealAll(scope)).toEqual({ AFTER: '2', BEFORE: '1', SA_JSON: serviceAccount, TLS_KEY: pem });

    const printed = await runWithSecrets(scope, 'process.stdout.write(process.env.TLS_KEY)');
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdoutBytes.length).toBe(Buffer.byteLength(pem));
    expect(sha256(printed.stdoutBytes)).toBe(sha256(pem));

    const privateKey = await runWithSecrets(scope, 'process.stdout.write(JSON.parse(process.env.SA_JSON).private_key)');
    expect(privateKey.stdout).toBe('-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n');
  });

  test('.env lines with an export prefix', async () => {
    const scope = await createScope(owner, 'prefix');
    const file = await writeInput(
      'exported.env',
      'export API_URL=https://api.tresor.test\nexport   SPACED=two\nexport port_number=8000\nexporter=not-a-prefix\nexport_FLAG=yes\n\texport TABBED=3\n',
    );

    const imported = await importFile(scope, file);

    expect(imported.status, imported.stderr).toBe(0);
    expect(await revealAll(scope)).toEqual({
      API_URL: 'https://api.tresor.test',
      SPACED: 'two',
      TABBED: '3',
      export_FLAG: 'yes',
      exporter: 'not-a-prefix',
      port_number: '8000',
    });
  });

  test('$ in values is never expanded', async () => {
    const scope = await createScope(owner, 'dollar');
    const expected = [
      'pa$sw0rd@db',
      'two$$dollars@',
      '$2b$12$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      'postgres://app:pw@db.tresor.test:5432/app?schema=s$42',
      '/^${HOST}(:[0-9]+)?$/',
    ];
    const file = await writeInput(
      'dollar.env',
      `DB_PASSWORD="${expected[0]}"\nDOUBLE='${expected[1]}'\nBCRYPT=${expected[2]}\nDB_URL=${expected[3]}\nREGEX=${expected[4]}\n`,
    );
    const hostile = { HOST: 'evil.tresor.test', HOME: '/home/evil' };

    const imported = await importFile(scope, file, [], hostile);
    expect(imported.status, imported.stderr).toBe(0);

    const printed = await runWithSecrets(
      scope,
      'for (const key of ["DB_PASSWORD", "DOUBLE", "BCRYPT", "DB_URL", "REGEX"]) console.log(process.env[key])',
      hostile,
    );
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(`${expected.join('\n')}\n`);
  });

  test('empty values stay present and empty', async () => {
    const scope = await createScope(owner, 'empty');
    // D has three trailing spaces; line 5 has no "=" at all.
    const file = await writeInput('empty.env', "A=\nB=\"\"\nC=''\nD=   \nE\n");

    const imported = await importFile(scope, file);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/[Ll]ine 5/);

    const setEmpty = await owner.run(['secrets', 'set', ...scope.flags, 'F'], { input: '' });
    expect(setEmpty.status, setEmpty.stderr).toBe(0);
    const get = await owner.run(['secrets', 'get', ...scope.flags, 'F']);
    expect(get.status).toBe(0);
    expect(get.stdout).toBe('');

    const printed = await runWithSecrets(
      scope,
      'console.log(JSON.stringify(["A","B","C","D","E","F"].map((key) => key in process.env ? process.env[key] : null)))',
      { A: undefined, B: undefined, C: undefined, D: undefined, E: undefined, F: undefined },
    );
    expect(printed.stdout).toBe('["","","","",null,""]\n');

    expect(await revealAll(scope)).toEqual({ A: '', B: '', C: '', D: '', F: '' });

    const docker = await exportAs(scope, 'docker');
    expect(docker.status, docker.stderr).toBe(0);
    expect(docker.stdout.split('\n')).toEqual(['A=', 'B=', 'C=', 'D=', 'F=', '']);

    const kubernetes = await exportAs(scope, 'k8s', ['--name', 'demo']);
    expect(kubernetes.status, kubernetes.stderr).toBe(0);
    for (const key of ['A', 'B', 'C', 'D', 'F']) {
      expect(kubernetes.stdout).toContain(`  ${key}: ""\n`);
    }
  });

  test('.env export round-trips nasty values', async () => {
    const first = await createScope(owner, 'roundtrip');
    const second = await addModule(owner, first, 'copy');
    const file = await writeInput('values.json', JSON.stringify(ROUND_TRIP_VALUES));

    const imported = await importFile(first, file);
    expect(imported.status, imported.stderr).toBe(0);

    const exported = await exportAs(first, 'env');
    expect(exported.status, exported.stderr).toBe(0);
    expect(dotenv.parse(exported.stdoutBytes)).toEqual(ROUND_TRIP_VALUES);
    const bangLine = exported.stdout.split('\n').find((line) => line.startsWith('BANG='));
    expect(bangLine).toBeDefined();
    expect(bangLine).not.toContain('\\');

    const envFile = await writeInput('out.env', exported.stdoutBytes);
    const reimported = await importFile(second, envFile);
    expect(reimported.status, reimported.stderr).toBe(0);

    const firstJson = await exportAs(first, 'json');
    const secondJson = await exportAs(second, 'json');
    expect(secondJson.stdout).toBe(firstJson.stdout);
    expect(JSON.parse(secondJson.stdout)).toEqual(ROUND_TRIP_VALUES);
  });

  test('.env export refuses a value dotenv cannot carry', async () => {
    const scope = await createScope(owner, 'impossible');
    const file = await writeInput('impossible.json', JSON.stringify({ FINE: 'ok', IMPOSSIBLE: 'x\'y"z`w' }));
    await importFile(scope, file);

    const exported = await exportAs(scope, 'env');
    expect(exported.status).not.toBe(0);
    expect(exported.stderr).toContain('IMPOSSIBLE');
    expect(exported.stdout).toBe('');

    const json = await exportAs(scope, 'json');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).IMPOSSIBLE).toBe('x\'y"z`w');
  });

  test('docker export writes values verbatim', async () => {
    const scope = await createScope(owner, 'docker');
    const values = {
      STREAM_URL: 'rtsp://camera.tresor.test/live',
      GREETING: 'hello world',
      PASSWORD: 'p"a\'ss#1 $HOME',
      HASH_FIRST: '#deploys',
      LEADING: '  lead',
      TRAILING: 'trail  ',
      EMPTY: '',
      QUOTED_LITERAL: '"already-quoted"',
    };
    await importFile(scope, await writeInput('docker.json', JSON.stringify(values)));

    const exported = await exportAs(scope, 'docker');

    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(
      [
        'EMPTY=',
        'GREETING=hello world',
        'HASH_FIRST=#deploys',
        'LEADING=  lead',
        'PASSWORD=p"a\'ss#1 $HOME',
        'QUOTED_LITERAL="already-quoted"',
        'STREAM_URL=rtsp://camera.tresor.test/live',
        'TRAILING=trail  ',
        '',
      ].join('\n'),
    );
    expect(exported.stderr).toContain('QUOTED_LITERAL');
  });

  test('docker export refuses a newline', async () => {
    const scope = await createScope(owner, 'docker-newline');
    await owner.run(['secrets', 'set', ...scope.flags, 'PLAIN=fine']);
    await owner.run(['secrets', 'set', ...scope.flags, 'MULTI_LINE'], { input: 'line1\nline2' });

    const refused = await exportAs(scope, 'docker');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('MULTI_LINE');
    expect(refused.stdout).toBe('');

    const skipped = await exportAs(scope, 'docker', ['--skip-unrepresentable']);
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.stdout).toBe('PLAIN=fine\n');
    expect(skipped.stderr).toContain('MULTI_LINE');
  });

  test('k8s export of a Secret manifest', async () => {
    const scope = await createScope(owner, 'k8s');
    const pem = fakePem('kubernetes');
    await importFile(scope, await writeInput('k8s.json', JSON.stringify({ DB_USER: 'admin', DB_PASS: 'hunter2-fake', EMPTY: '', TLS_KEY: pem })));

    const exported = await exportAs(scope, 'k8s', ['--name', 'api-secrets', '--namespace', 'prod']);

    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('DB_USER: YWRtaW4=\n');
    const manifest = YAML.parse(exported.stdout) as { apiVersion: string; kind: string; type: string; metadata: Record<string, string>; data: Record<string, string> };
    expect(manifest.apiVersion).toBe('v1');
    expect(manifest.kind).toBe('Secret');
    expect(manifest.type).toBe('Opaque');
    expect(manifest.metadata).toEqual({ name: 'api-secrets', namespace: 'prod' });
    expect(Object.keys(manifest.data).sort()).toEqual(['DB_PASS', 'DB_USER', 'EMPTY', 'TLS_KEY']);
    expect(manifest.data['DB_USER']).toBe('YWRtaW4=');
    expect(manifest.data['EMPTY']).toBe('');
    expect(Buffer.from(manifest.data['TLS_KEY']!, 'base64').toString('utf8')).toBe(pem);
    for (const encoded of Object.values(manifest.data)) {
      expect(encoded).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    }

    const defaultName = await exportAs(scope, 'k8s');
    expect((YAML.parse(defaultName.stdout) as { metadata: { name: string } }).metadata.name).toBe(scope.module);
  });

  test('JSON import with invalid keys stores nothing', async () => {
    const scope = await createScope(owner, 'invalid-json');
    const file = await writeInput('invalid.json', JSON.stringify({ GOOD_KEY: 'kept-out', 'my-key': '1', '1BAD': '2', 'has space': '3', 'a.b': '4' }));

    const imported = await importFile(scope, file);

    expect(imported.status).toBe(1);
    for (const key of ['my-key', '1BAD', 'has space', 'a.b']) {
      expect(imported.stderr).toContain(key);
    }
    expect(imported.stderr).not.toContain('kept-out');
    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(JSON.parse(list.stdout).secrets).toEqual([]);
  });

  test('key with "=" is rejected naming it', async () => {
    const scope = await createScope(owner, 'equals');
    const file = await writeInput('equals.json', JSON.stringify({ 'PATH=/tmp/evil': ':x' }));

    const imported = await importFile(scope, file);

    // The key is shown only up to its "=", because what follows may be a value.
    expect(imported.status).toBe(1);
    expect(imported.stderr).toContain('"PATH=');
    expect(imported.stderr).toContain('must not contain "="');
    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(JSON.parse(list.stdout).secrets).toEqual([]);
  });

  test('import from stdin and format flag', async () => {
    const scope = await createScope(owner, 'stdin-import');

    const imported = await owner.run(['secrets', 'import', ...scope.flags, '--format', 'yaml', '-'], { input: 'FROM_YAML: "yes"\nPORT: "8080"\n' });

    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('Imported 2 secrets from stdin');
    expect(await revealAll(scope)).toEqual({ FROM_YAML: 'yes', PORT: '8080' });
  });

  test('missing import file is named', async () => {
    const scope = await createScope(owner, 'missing-file');
    const file = path.join(workDir, 'does-not-exist.env');

    const imported = await importFile(scope, file);

    expect(imported.status).toBe(1);
    expect(imported.stderr).toContain(file);
    expect(imported.stderr).toContain('no such file');
  });
});
