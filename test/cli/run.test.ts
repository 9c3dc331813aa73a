import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { createScope, createServiceToken, loginOwnerCli, type CliResult, type CliUser, type TestScope } from '../support/cli.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';

const STORED_DB_URL = 'postgres://app@db.tresor.test/app';
const INHERITED_DB_URL = 'postgres://localhost/dev';
const SECRET_X = 'sk_test_tresor_0000';

// Prints DB_URL, LOCAL_ONLY and LOG_LEVEL of the child's environment on one line.
const PRINT_PRECEDENCE = 'console.log([process.env.DB_URL, process.env.LOCAL_ONLY, process.env.LOG_LEVEL].join(" "))';

describe('tresor run through the CLI', () => {
  let server: TresorServer;
  let owner: CliUser;
  let scope: TestScope;
  let token: string;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    scope = await createScope(owner, 'run');
    const set = await owner.run(['secrets', 'set', ...scope.flags, `DB_URL=${STORED_DB_URL}`, 'LOG_LEVEL=info', `SECRET_X=${SECRET_X}`]);
    if (set.status !== 0) {
      throw new Error(`secrets set failed: ${set.stderr}`);
    }
    token = await createServiceToken(owner, scope);
  });

  afterAll(async () => {
    await owner?.cleanup();
    await server?.stop();
  });

  function run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    return owner.run(['run', ...args], { env: { TRESOR_TOKEN: token, TRESOR_SERVER: server.url, ...env } });
  }

  test('stored secret beats an inherited variable', async () => {
    const result = await run(['--', process.execPath, '-e', PRINT_PRECEDENCE], { DB_URL: INHERITED_DB_URL, LOCAL_ONLY: '123' });

    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${STORED_DB_URL} 123 info\n`);
    expect(result.stderr).toBe('');
  });

  test('--preserve-env keeps the inherited value', async () => {
    const result = await run(['--preserve-env', '--', process.execPath, '-e', PRINT_PRECEDENCE], { DB_URL: INHERITED_DB_URL, LOCAL_ONLY: '123' });

    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${INHERITED_DB_URL} 123 info\n`);
  });

  test('--verbose names overrides, not values', async () => {
    const result = await run(['--verbose', '--', process.execPath, '-e', PRINT_PRECEDENCE], { DB_URL: INHERITED_DB_URL });

    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('"DB_URL"');
    expect(result.stderr).not.toContain(STORED_DB_URL);
    expect(result.stderr).not.toContain(INHERITED_DB_URL);
  });

  test('argv arrives unchanged', async () => {
    const script = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

    const result = await run(['--', process.execPath, '-e', script, 'a b', '$SECRET_X', ';env', '"q"', '', '*']);

    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['a b', '$SECRET_X', ';env', '"q"', '', '*']);
    expect(result.stdout).not.toContain(SECRET_X);
  });

  test('options after COMMAND belong to it', async () => {
    // sh, unlike node, takes no options of its own after the script.
    const result = await run(['sh', '-c', 'for arg in "$@"; do printf "[%s]" "$arg"; done', 'sh', '--verbose', '--help', '--', '-V']);

    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('[--verbose][--help][--][-V]');
    expect(result.stderr).toBe('');
  });

  test('TRESOR_URL and no service token in the child', async () => {
    const script = 'process.stdout.write(JSON.stringify([process.env.SECRET_X, process.env.TRESOR_TOKEN ?? null]))';

    const result = await run([process.execPath, '-e', script], { TRESOR_SERVER: undefined, TRESOR_URL: server.url });

    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([SECRET_X, null]);
  });

  test.each([
    ['exit 0', 0],
    ['exit 3', 3],
    ['kill -TERM $$', 143],
  ])('exit code of sh -c %j is %i', async (script, code) => {
    const result = await run(['--', 'sh', '-c', script]);

    expect(result.status).toBe(code);
    expect(result.stdout).toBe('');
  });

  test('unknown command exits 127', async () => {
    const result = await run(['--', '/nonexistent/tresor-test-command']);

    expect(result.status).toBe(127);
    expect(result.stderr).toContain('/nonexistent/tresor-test-command');
    expect(result.stderr).toContain('command not found');
  });

  test('missing command is a usage error', async () => {
    const noCommand = await run([]);

    expect(noCommand.status).toBe(2);
    expect(noCommand.stderr).toContain('Missing the command');
  });

  test('missing or malformed token exits 1', async () => {
    const noToken = await run(['--', 'true'], { TRESOR_TOKEN: undefined });
    const malformed = await run(['--', 'true'], { TRESOR_TOKEN: 'not-a-service-token' });

    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain('TRESOR_TOKEN is not set');
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('TRESOR_TOKEN does not contain a service token');
    expect(malformed.stderr).not.toContain('not-a-service-token');
  });
});
