import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { startTresorModules } from './helpers/tresor-modules.js';
import type { TresorModules } from './helpers/tresor-modules.js';
import { assertCliBuilt, runWrapper, wrapperEnvironment } from './helpers/wrapper-process.js';

describe.skipIf(!isTestDatabaseAvailable())('tresor run exit codes', () => {
  let tresor: TresorModules;
  let directory: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    assertCliBuilt();
    tresor = await startTresorModules();
    const served = await tresor.create({ GREETING: 'hello' });
    directory = await mkdtemp(join(tmpdir(), 'tresor-run-exit-'));
    env = wrapperEnvironment({ TRESOR_SERVER: served.url, TRESOR_TOKEN: served.token });
  });

  afterAll(async () => {
    await tresor?.stop();
    if (directory !== undefined) {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it.each([
    ['exit 0', 0],
    ['exit 3', 3],
    ['exit 255', 255],
    ['kill -TERM $$', 143],
    ['kill -KILL $$', 137],
    ['kill -INT $$', 130],
    ['kill -SEGV $$', 139],
  ])('sh -c %j exits %i', async (script, expected) => {
    const result = await runWrapper(['--', 'sh', '-c', script], env);

    expect(result.code).toBe(expected);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it('missing command exits 127', async () => {
    const result = await runWrapper(['--', '/nonexistent/cmd', 'arg'], env);

    expect(result.code).toBe(127);
    expect(result.stderr).toContain('/nonexistent/cmd');
    expect(result.stderr).toContain('command not found');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('command missing from PATH exits 127', async () => {
    const result = await runWrapper(['--', 'tresor-no-such-command-on-path'], env);

    expect(result.code).toBe(127);
    expect(result.stderr).toContain('tresor-no-such-command-on-path');
    expect(result.stdout).toBe('');
  });

  it('non-executable script exits 126', async () => {
    const script = join(directory, 'noexec.sh');
    await writeFile(script, '#!/bin/sh\necho should not run\n');
    await chmod(script, 0o644);

    const result = await runWrapper(['--', script], env);

    expect(result.code).toBe(126);
    expect(result.stderr).toContain(script);
    expect(result.stderr).toContain('permission denied');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('directory exits 126 naming it', async () => {
    const folder = join(directory, 'adir');
    await mkdir(folder);

    const result = await runWrapper(['--', folder], env);

    expect(result.code).toBe(126);
    expect(result.stderr).toContain(folder);
    expect(result.stderr).toContain('it is a directory');
    expect(result.stderr).not.toContain('chmod');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('child output passes through unchanged', async () => {
    const result = await runWrapper(['--', 'sh', '-c', 'printf "out"; printf "err" >&2; exit 5'], env);

    expect(result.code).toBe(5);
    expect(result.stdout).toBe('out');
    expect(result.stderr).toBe('err');
  });
});
