import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { startTresorModules } from './helpers/tresor-modules.js';
import type { TresorModules } from './helpers/tresor-modules.js';
import {
  assertCliBuilt,
  childPids,
  isProcessRunning,
  SIGNAL_CHILD_PATH,
  startWrapper,
  tresorRunArgs,
  WrapperProcess,
  wrapperEnvironment,
} from './helpers/wrapper-process.js';

// Creating a PID namespace needs root or user namespaces, and a kernel that allows it.
const pidNamespaceProbe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true'], { stdio: 'ignore' });
const canUnsharePid = pidNamespaceProbe.status === 0;

// `script` (util-linux) runs a command on a new pseudo-terminal, in its foreground process group.
const canUseScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!isTestDatabaseAvailable())('tresor run signal forwarding', () => {
  let tresor: TresorModules;
  let env: NodeJS.ProcessEnv;
  const started: WrapperProcess[] = [];
  const extraPids: number[] = [];

  function start(args: string[]): WrapperProcess {
    const wrapper = startWrapper(args, env);
    started.push(wrapper);
    return wrapper;
  }

  function onlyChildOf(pid: number): number {
    const children = childPids(pid);
    expect(children).toHaveLength(1);
    return children[0] as number;
  }

  beforeAll(async () => {
    assertCliBuilt();
    tresor = await startTresorModules();
    const served = await tresor.create({ GREETING: 'hello' });
    env = wrapperEnvironment({ TRESOR_SERVER: served.url, TRESOR_TOKEN: served.token });
  });

  afterEach(() => {
    for (const pid of extraPids.splice(0)) {
      if (isProcessRunning(pid)) {
        process.kill(pid, 'SIGKILL');
      }
    }
    for (const wrapper of started.splice(0)) {
      wrapper.killIfRunning();
    }
  });

  afterAll(async () => {
    await tresor?.stop();
  });

  // The wrapper runs without a terminal, so SIGINT and SIGQUIT sent by `kill` are forwarded too.
  it.each(['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGINT'] as const)(
    '%s reaches the child once',
    async (signal) => {
      const wrapper = start(['--', process.execPath, SIGNAL_CHILD_PATH, signal]);
      await wrapper.waitForStdout('ready\n');
      const childPid = onlyChildOf(wrapper.pid);
      extraPids.push(childPid);

      wrapper.process.kill(signal);
      const result = await wrapper.exited;

      expect(result.stdout).toBe(`ready\nchild got ${signal}\n`);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(isProcessRunning(childPid)).toBe(false);
    },
  );

  it('child killed by SIGTERM exits 143', async () => {
    const wrapper = start(['--', process.execPath, '-e', 'process.stdout.write("ready\\n"); setInterval(() => {}, 1000)']);
    await wrapper.waitForStdout('ready\n');

    wrapper.process.kill('SIGTERM');
    const result = await wrapper.exited;

    expect(result.code).toBe(143);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe('ready\n');
  });

  it('child ignoring SIGTERM keeps both running', async () => {
    const ignoringChild =
      'process.on("SIGTERM", () => process.stdout.write("ignored SIGTERM\\n"));' +
      'process.stdout.write("ready\\n"); setInterval(() => {}, 1000)';
    const wrapper = start(['--', process.execPath, '-e', ignoringChild]);
    await wrapper.waitForStdout('ready\n');
    const childPid = onlyChildOf(wrapper.pid);
    extraPids.push(childPid);

    wrapper.process.kill('SIGTERM');
    await wrapper.waitForStdout('ignored SIGTERM\n');
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));

    expect(wrapper.process.exitCode).toBeNull();
    expect(isProcessRunning(wrapper.pid)).toBe(true);
    expect(isProcessRunning(childPid)).toBe(true);

    process.kill(childPid, 'SIGKILL');
    const result = await wrapper.exited;
    expect(result.code).toBe(137);
    expect(result.stdout).toBe('ready\nignored SIGTERM\n');
  });

  it.skipIf(!canUnsharePid)('SIGTERM reaches the child when the wrapper is PID 1', async () => {
    const unshare = new WrapperProcess(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, ...tresorRunArgs(['--', process.execPath, SIGNAL_CHILD_PATH, 'SIGTERM'])],
      env,
    );
    started.push(unshare);
    await unshare.waitForStdout('ready\n');

    // unshare forks once; its only child is the wrapper, PID 1 inside the new namespace.
    const wrapperPid = onlyChildOf(unshare.pid);
    extraPids.push(wrapperPid);
    const namespacePids = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${wrapperPid}/status`, 'utf8'))?.[1];
    expect(namespacePids?.split(/\s+/).at(-1)).toBe('1');

    process.kill(wrapperPid, 'SIGTERM');
    const result = await unshare.exited;

    expect(result.stdout).toBe('ready\nchild got SIGTERM\n');
    expect(result.code).toBe(0);
    expect(isProcessRunning(wrapperPid)).toBe(false);
  });

  it.skipIf(!canUseScript)('Ctrl-C in a terminal reaches the child once', async () => {
    // `exec` makes the wrapper the process that `script` started, in the terminal's
    // foreground process group, where Ctrl-C reaches both it and its child.
    const command = ['exec', process.execPath, ...tresorRunArgs(['--', process.execPath, SIGNAL_CHILD_PATH, 'SIGINT'])].join(' ');
    const terminal = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    terminal.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolveExit) => terminal.once('close', (code) => resolveExit(code)));

    try {
      const deadline = Date.now() + 10_000;
      while (!output.includes('ready') && Date.now() < deadline) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
      expect(output).toContain('ready');

      // ETX written to the terminal is what the Ctrl-C key sends.
      terminal.stdin.write('\x03');
      const code = await exited;

      expect(output.match(/child got SIGINT/g)).toHaveLength(1);
      expect(code).toBe(0);
    } finally {
      if (terminal.exitCode === null && terminal.signalCode === null) {
        terminal.kill('SIGKILL');
      }
    }
  });

  if (!canUnsharePid) {
    console.warn('Skipped the PID 1 test: `unshare --pid --fork --mount-proc` failed here (it needs root or user namespaces).');
  }
  if (!canUseScript) {
    console.warn('Skipped the terminal Ctrl-C test: the util-linux `script` command is not installed.');
  }
});
