import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TRESOR_BIN } from '../../support/tresor-server.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const SIGNAL_CHILD_PATH = join(repositoryRoot, 'test/run/fixtures/signal-child.mjs');

// The sources on the path of `tresor run`, each with the file tsc emits for it.
const compiledSources = [
  ...readdirSync(join(repositoryRoot, 'src/cli/run'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => `cli/run/${name}`),
  'cli/bin.ts',
  'cli/main.ts',
  'cli/commands/run-commands.ts',
  'cli/errors.ts',
  'domain/names.ts',
  'domain/errors.ts',
];

/**
 * Throws unless dist/ contains a build of `tresor run` that is newer than its sources,
 * because the tests start the built binary as a real process.
 */
export function assertCliBuilt(): void {
  for (const source of compiledSources) {
    const sourcePath = join(repositoryRoot, 'src', source);
    const compiledPath = join(repositoryRoot, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(compiledPath)) {
      throw new Error(`${compiledPath} is missing. Build first: npm run build`);
    }
    if (statSync(compiledPath).mtimeMs < statSync(sourcePath).mtimeMs) {
      throw new Error(`${compiledPath} is older than src/${source}. Rebuild: npm run build`);
    }
  }

  // bin.js runs the esbuild bundle of the run path, which a tsc-only build leaves behind.
  const bundlePath = join(repositoryRoot, 'dist/cli/run-entry.bundle.js');
  const newestCompiled = Math.max(...compiledSources.map((source) => statSync(join(repositoryRoot, 'dist', source.replace(/\.ts$/, '.js'))).mtimeMs));
  if (!existsSync(bundlePath) || statSync(bundlePath).mtimeMs < newestCompiled) {
    throw new Error(`${bundlePath} is missing or older than the compiled run modules. Rebuild: npm run build`);
  }
}

/** Returns the arguments that make Node run `tresor run ARGS` from the built binary. */
export function tresorRunArgs(args: string[]): string[] {
  return [TRESOR_BIN, 'run', ...args];
}

export interface WrapperResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running wrapper process with its output collected as it arrives. */
export class WrapperProcess {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<WrapperResult>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    // A new session has no controlling terminal, so the wrapper treats every SIGINT and
    // SIGQUIT as sent by `kill`, even when the tests run from an interactive terminal.
    this.process = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolveExit, rejectExit) => {
      this.process.once('error', rejectExit);
      this.process.once('close', (code, signal) => {
        resolveExit({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    if (this.process.pid === undefined) {
      throw new Error('The wrapper process did not start.');
    }
    return this.process.pid;
  }

  /** Waits until stdout contains the text. The timeout only guards against a hang. */
  async waitForStdout(text: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.includes(text)) {
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`The process exited before printing ${JSON.stringify(text)}. stderr: ${this.stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${JSON.stringify(text)} on stdout. stdout: ${this.stdout} stderr: ${this.stderr}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  }

  /** Sends SIGKILL to the process if it is still running. */
  killIfRunning(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
    }
  }
}

/** Starts `tresor run ARGS` under Node with exactly the given environment. */
export function startWrapper(args: string[], env: NodeJS.ProcessEnv): WrapperProcess {
  return new WrapperProcess(process.execPath, tresorRunArgs(args), env);
}

export function runWrapper(args: string[], env: NodeJS.ProcessEnv): Promise<WrapperResult> {
  return startWrapper(args, env).exited;
}

/** A clean environment for the wrapper: PATH to find commands, plus the given variables. */
export function wrapperEnvironment(variables: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...variables };
}

/** Lists the direct children of a process, from every thread's /proc children file. */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch {
      // The thread ended between listing and reading.
      continue;
    }
    if (text !== '') {
      pids.push(...text.split(/\s+/).map(Number));
    }
  }
  return pids;
}

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }

  // A zombie still accepts signal 0, but it has stopped running.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
