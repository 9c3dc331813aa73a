import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { cliEnvironment, createScope, loginOwnerCli, type CliResult, type CliUser, type TestScope } from '../support/cli.js';
import { startTresorServer, TRESOR_BIN, type TresorServer } from '../support/tresor-server.js';

const PIPED_VALUE = 'piped-value-never-stored';
const ARGUMENT_VALUE = 'argument-value-never-shown';

const EMPTY_VALUE_WARNING = 'Read an empty value for F from standard input; stored an empty value.';

/** Runs `tresor` as `user` with its standard input taken from `stdin`, as a shell redirection would. */
function runWithStdin(user: CliUser, args: readonly string[], stdin: 'ignore' | number): Promise<CliResult> {
  return collect(process.execPath, [TRESOR_BIN, ...args], user, [stdin, 'pipe', 'pipe']);
}

/** Runs `tresor` as `user` through sh with `text` in a here-document, which dash passes as a pipe. */
function runWithHereDocument(user: CliUser, args: readonly string[], text: string): Promise<CliResult> {
  const script = `exec "$@" <<'END_OF_INPUT'\n${text}\nEND_OF_INPUT\n`;
  return collect('sh', ['-c', script, 'sh', process.execPath, TRESOR_BIN, ...args], user, ['ignore', 'pipe', 'pipe']);
}

function collect(command: string, args: readonly string[], user: CliUser, stdio: StdioOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cliEnvironment({ TRESOR_CONFIG_DIR: user.configDir }), stdio });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (status, signal) => {
      const stdoutBytes = Buffer.concat(stdout);
      resolve({ status, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), stdoutBytes });
    });
  });
}

describe('tresor secrets set input', () => {
  let server: TresorServer;
  let owner: CliUser;
  let workDir: string;

  beforeAll(async () => {
    server = await startTresorServer();
    owner = await loginOwnerCli(server);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-set-input-'));
  });

  afterAll(async () => {
    await owner?.cleanup();
    await server?.stop();
    if (workDir !== undefined) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  async function storedKeys(scope: TestScope): Promise<string[]> {
    const list = await owner.run(['secrets', 'list', ...scope.flags, '--json']);
    expect(list.status, list.stderr).toBe(0);
    return (JSON.parse(list.stdout) as { secrets: Array<{ key: string }> }).secrets.map((secret) => secret.key);
  }

  function expectBothFormsNamed(result: CliResult): void {
    expect(result.stderr).toContain('use one');
    expect(result.stderr).toContain('"=" is not allowed in a key');
    expect(result.stderr).toContain('KEY=VALUE');
    expect(result.stderr).toContain('standard input');
  }

  test('KEY=VALUE with data on a socket', async () => {
    const scope = await createScope(owner, 'set-socket');

    const result = await owner.run(['secrets', 'set', ...scope.flags, `A=${ARGUMENT_VALUE}`], { input: PIPED_VALUE });

    expect(result.status).toBe(2);
    expectBothFormsNamed(result);
    expect(result.stderr).not.toContain(ARGUMENT_VALUE);
    expect(result.stderr).not.toContain(PIPED_VALUE);
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('KEY=VALUE with data on a pipe', async () => {
    const scope = await createScope(owner, 'set-pipe');

    const result = await runWithHereDocument(owner, ['secrets', 'set', ...scope.flags, `A=${ARGUMENT_VALUE}`], PIPED_VALUE);

    expect(result.status).toBe(2);
    expectBothFormsNamed(result);
    expect(result.stderr).not.toContain(ARGUMENT_VALUE);
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('KEY=VALUE with a non-empty file', async () => {
    const scope = await createScope(owner, 'set-file');
    const file = path.join(workDir, 'value.txt');
    await writeFile(file, PIPED_VALUE);
    const handle = await open(file, 'r');

    let result: CliResult;
    try {
      result = await runWithStdin(owner, ['secrets', 'set', ...scope.flags, `A=${ARGUMENT_VALUE}`], handle.fd);
    } finally {
      await handle.close();
    }

    expect(result.status).toBe(2);
    expectBothFormsNamed(result);
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('KEY=VALUE with empty standard input', async () => {
    const scope = await createScope(owner, 'set-empty');
    const file = path.join(workDir, 'empty.txt');
    await writeFile(file, '');
    const handle = await open(file, 'r');

    const closedPipe = await owner.run(['secrets', 'set', ...scope.flags, 'FROM_PIPE=1']);
    const devNull = await runWithStdin(owner, ['secrets', 'set', ...scope.flags, 'FROM_DEV_NULL=2'], 'ignore');
    let emptyFile: CliResult;
    try {
      emptyFile = await runWithStdin(owner, ['secrets', 'set', ...scope.flags, 'FROM_EMPTY_FILE=3'], handle.fd);
    } finally {
      await handle.close();
    }

    expect(closedPipe.status, closedPipe.stderr).toBe(0);
    expect(devNull.status, devNull.stderr).toBe(0);
    expect(emptyFile.status, emptyFile.stderr).toBe(0);
    expect((await storedKeys(scope)).sort()).toEqual(['FROM_DEV_NULL', 'FROM_EMPTY_FILE', 'FROM_PIPE']);
  });

  test('key containing "=" before a value', async () => {
    const scope = await createScope(owner, 'set-equals');

    const result = await owner.run(['secrets', 'set', ...scope.flags, `A=${ARGUMENT_VALUE}`, 'x']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid key "A=…"');
    expect(result.stderr).toContain('"=" is not allowed in a key');
    expect(result.stderr).toContain('Write every argument as KEY=VALUE, or pass one KEY alone and its value on standard input.');
    expect(result.stderr).not.toContain(ARGUMENT_VALUE);
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('KEY followed by more arguments', async () => {
    const scope = await createScope(owner, 'set-extra');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'A', `B=${ARGUMENT_VALUE}`], { input: PIPED_VALUE });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Too many arguments');
    expect(result.stderr).toContain('KEY=VALUE');
    expect(result.stderr).not.toContain(ARGUMENT_VALUE);
    expect(await storedKeys(scope)).toEqual([]);
  });

  test('empty stdin stores an empty value', async () => {
    const scope = await createScope(owner, 'set-blank');

    const empty = await owner.run(['secrets', 'set', ...scope.flags, 'F'], { input: '' });
    const get = await owner.run(['secrets', 'get', ...scope.flags, 'F']);

    expect(empty.status, empty.stderr).toBe(0);
    expect(empty.stderr).toContain('Set F (version 1)');
    expect(empty.stderr).toContain(`Warning: ${EMPTY_VALUE_WARNING}`);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdoutBytes.length).toBe(0);
  });

  test('lone newline on stdin counts as empty', async () => {
    const scope = await createScope(owner, 'set-newline');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'F'], { input: '\n' });

    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(EMPTY_VALUE_WARNING);
  });

  test('non-empty value prints no warning', async () => {
    const scope = await createScope(owner, 'set-value');

    const result = await owner.run(['secrets', 'set', ...scope.flags, 'F'], { input: 'value\n' });
    const assigned = await owner.run(['secrets', 'set', ...scope.flags, 'G=']);

    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('empty value');
    expect(assigned.status, assigned.stderr).toBe(0);
    expect(assigned.stderr).not.toContain('empty value');
  });
});
