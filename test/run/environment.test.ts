import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { randomServiceToken, sendJson, startHttpServer } from './helpers/http-server.js';
import type { TestServer } from './helpers/http-server.js';
import { startTresorModules } from './helpers/tresor-modules.js';
import type { ServedModule, TresorModules } from './helpers/tresor-modules.js';
import { assertCliBuilt, runWrapper, wrapperEnvironment } from './helpers/wrapper-process.js';

const STORED_DB_URL = 'postgres://app@db.example.internal/app';
const LOCAL_DB_URL = 'postgres://localhost/dev';

// Prints the named variables as JSON, with null for a missing one.
function printVariables(...names: string[]): string[] {
  const script = `process.stdout.write(JSON.stringify(${JSON.stringify(names)}.map((name) => process.env[name] ?? null)))`;
  return ['--', process.execPath, '-e', script];
}

// Prints the UTF-8 bytes of each named variable as hex, so that the check is byte for byte.
function printVariableBytes(names: string[]): string[] {
  const script =
    `const names = ${JSON.stringify(names)};` +
    'const bytes = Object.fromEntries(names.map((name) => [name, process.env[name] === undefined ? null : Buffer.from(process.env[name], "utf8").toString("hex")]));' +
    'process.stdout.write(JSON.stringify(bytes))';
  return ['--', process.execPath, '-e', script];
}

function toHex(value: string): string {
  return Buffer.from(value, 'utf8').toString('hex');
}

// A PEM block of exactly 189 bytes: header, two full 64-character lines, a short line, footer.
const PEM =
  '-----BEGIN PRIVATE KEY-----\n' +
  `${'MIIB'.repeat(16)}\n` +
  `${'Qk9H'.repeat(16)}\n` +
  'QUJD\n' +
  '-----END PRIVATE KEY-----\n';

describe.skipIf(!isTestDatabaseAvailable())('tresor run environment', () => {
  let tresor: TresorModules;
  const fakeServers: TestServer[] = [];

  function serve(secrets: Record<string, string>): Promise<ServedModule> {
    return tresor.create(secrets);
  }

  function environmentFor(server: { url: string; token: string }, variables: Record<string, string> = {}): NodeJS.ProcessEnv {
    return wrapperEnvironment({ TRESOR_SERVER: server.url, TRESOR_TOKEN: server.token, ...variables });
  }

  beforeAll(async () => {
    assertCliBuilt();
    tresor = await startTresorModules();
  });

  afterEach(async () => {
    await Promise.all(fakeServers.splice(0).map((server) => server.close()));
  });

  afterAll(async () => {
    await tresor?.stop();
  });

  // A fake server, because the real one rejects these keys and NUL values when they are written.
  async function serveUnwritableSecrets(secrets: Record<string, string>): Promise<{ url: string; token: string }> {
    const server = await startHttpServer((_request, response) =>
      sendJson(response, 200, { app: 'shop', environment: 'production', module: 'api', revision: 1, secrets }),
    );
    fakeServers.push(server);
    return { url: server.url, token: randomServiceToken() };
  }

  it('secret overrides inherited variable', async () => {
    const server = await serve({ DB_URL: STORED_DB_URL, LOG_LEVEL: 'info' });
    const env = environmentFor(server, { DB_URL: LOCAL_DB_URL, LOCAL_ONLY: '123' });

    const result = await runWrapper(printVariables('DB_URL', 'LOCAL_ONLY', 'LOG_LEVEL', 'PATH'), env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([STORED_DB_URL, '123', 'info', env.PATH]);
    expect(result.stderr).toBe('');
  });

  it('--preserve-env keeps inherited variable', async () => {
    const server = await serve({ DB_URL: STORED_DB_URL, LOG_LEVEL: 'info' });
    const env = environmentFor(server, { DB_URL: LOCAL_DB_URL, LOCAL_ONLY: '123' });

    const result = await runWrapper(['--preserve-env', ...printVariables('DB_URL', 'LOCAL_ONLY', 'LOG_LEVEL')], env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([LOCAL_DB_URL, '123', 'info']);
    expect(result.stderr).toBe('');
  });

  it('--verbose names overridden variables only', async () => {
    const server = await serve({ DB_URL: STORED_DB_URL, LOG_LEVEL: 'info' });
    const env = environmentFor(server, { DB_URL: LOCAL_DB_URL });

    const result = await runWrapper(['--verbose', ...printVariables('DB_URL')], env);

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/override inherited variables: "DB_URL"/);
    expect(result.stderr).toContain(`Loaded 2 secrets of app "${server.app}", environment "production", module "api" at revision ${server.revision}.`);
    expect(result.stderr).not.toContain(STORED_DB_URL);
    expect(result.stderr).not.toContain(LOCAL_DB_URL);
    expect(result.stderr).not.toContain('info');
    expect(result.stdout).toBe(JSON.stringify([STORED_DB_URL]));
  });

  it('--verbose with --preserve-env names kept variables', async () => {
    const server = await serve({ DB_URL: STORED_DB_URL });
    const env = environmentFor(server, { DB_URL: LOCAL_DB_URL });

    const result = await runWrapper(['--verbose', '--preserve-env', ...printVariables('DB_URL')], env);

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/kept over secrets \(--preserve-env\): "DB_URL"/);
    expect(result.stderr).not.toContain(STORED_DB_URL);
    expect(result.stderr).not.toContain(LOCAL_DB_URL);
  });

  it('TRESOR_TOKEN never reaches the child', async () => {
    const server = await serve({ TRESOR_TOKEN: 'stored-token-value', DB_URL: STORED_DB_URL });
    const env = environmentFor(server);
    const script =
      'process.stdout.write(JSON.stringify({ present: "TRESOR_TOKEN" in process.env, values: Object.values(process.env) }))';

    const result = await runWrapper(['--', process.execPath, '-e', script], env);
    const child = JSON.parse(result.stdout) as { present: boolean; values: string[] };

    expect(result.code).toBe(0);
    expect(child.present).toBe(false);
    expect(child.values).not.toContain(server.token);
    expect(child.values).not.toContain('stored-token-value');
    expect(child.values).toContain(STORED_DB_URL);
    expect(result.stderr).toContain('"TRESOR_TOKEN"');
    expect(result.stderr).not.toContain('stored-token-value');
    expect(result.stderr).not.toContain(server.token);
  });

  it('argv reaches the child unchanged', async () => {
    const server = await serve({ SECRET_X: 'sk_test_FAKE_0000' });
    const args = ['--', 'node', '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', 'a b', '$SECRET_X', ';env', '"q"', '', '*'];

    const result = await runWrapper(args, environmentFor(server));

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('["a b","$SECRET_X",";env","\\"q\\"","","*"]');
    expect(result.stdout).not.toContain('sk_test_FAKE_0000');
    expect(result.stderr).toBe('');
  });

  it('values reach the child byte for byte', async () => {
    const secrets: Record<string, string> = {
      MULTI_LINE: 'first line\nsecond line\n\nfourth\n',
      CRLF: 'a\r\nb',
      QUOTES: `single ' double " back \` end`,
      EQUALS: 'key=value==',
      DOLLAR: '$HOME ${PATH} $(id) `id`',
      PASSWORD: 'pa$$word@',
      UNICODE: 'Grüße, 東京, emoji 🔑, combining é, right-to-left مرحبا',
      PEM,
      BACKSLASHES: 'C:\\path\\n\\t',
      SPACES: '  leading and trailing  ',
      EMPTY: '',
    };
    expect(Buffer.byteLength(PEM)).toBe(189);
    const server = await serve(secrets);

    const result = await runWrapper(printVariableBytes(Object.keys(secrets)), environmentFor(server));

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const received = JSON.parse(result.stdout) as Record<string, string | null>;
    for (const [name, value] of Object.entries(secrets)) {
      expect(received[name], name).toBe(toHex(value));
    }
  });

  it('secret named __proto__ reaches the child', async () => {
    const server = await serve({ ['__proto__']: 'an ordinary name', OTHER: 'other' });
    const script =
      'process.stdout.write(JSON.stringify({ own: Object.hasOwn(process.env, "__proto__"),' +
      ' value: Object.getOwnPropertyDescriptor(process.env, "__proto__")?.value ?? null }))';

    const result = await runWrapper(['--', process.execPath, '-e', script], environmentFor(server));

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ own: true, value: 'an ordinary name' });
  });

  it('invalid secret names are skipped with one warning', async () => {
    const secrets: Record<string, string> = {
      GOOD_KEY: 'good-value',
      'my-key': 'value-of-my-key',
      '1BAD': 'value-of-1bad',
      'has space': 'value-of-has-space',
      'a.b': 'value-of-a-dot-b',
      'PATH=/tmp/evil': ':x',
      NUL_VALUE: 'before\0after',
    };
    const server = await serveUnwritableSecrets(secrets);
    const script =
      'const names = ["my-key", "1BAD", "has space", "a.b", "PATH=/tmp/evil", "PATH", "NUL_VALUE"];' +
      'process.stdout.write(JSON.stringify({ present: Object.keys(process.env).filter((name) => names.includes(name)),' +
      ' good: process.env.GOOD_KEY, path: process.env.PATH }));' +
      'process.exitCode = 7';
    const env = environmentFor(server);

    const result = await runWrapper(['--', process.execPath, '-e', script], env);
    const child = JSON.parse(result.stdout) as { present: string[]; good: string; path: string };

    expect(result.code).toBe(7);
    expect(child.present).toEqual(['PATH']);
    expect(child.good).toBe('good-value');
    expect(child.path).toBe(env.PATH);
    expect(result.stderr.endsWith('\n')).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    for (const name of ['my-key', '1BAD', 'has space', 'a.b', 'PATH=/tmp/evil', 'NUL_VALUE']) {
      expect(result.stderr).toContain(`"${name}"`);
    }
    for (const value of Object.values(secrets).filter((value) => value !== ':x')) {
      expect(result.stderr).not.toContain(value);
    }
    expect(result.stderr).not.toContain('GOOD_KEY');
  });
});
