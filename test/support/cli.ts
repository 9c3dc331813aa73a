import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { api, OWNER_EMAIL, OWNER_PASSWORD, TRESOR_BIN, type TresorServer } from './tresor-server.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface CliRunOptions {
  /** Variables added to the child's environment; undefined removes one. */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
}

/**
 * Builds the environment of a CLI child: this process's without any TRESOR_* variable, so
 * a developer's own settings can't leak into a test, then `extra`.
 */
export function cliEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TRESOR_') && value !== undefined) {
      env[name] = value;
    }
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  return env;
}

/** Runs the built `tresor` binary to completion, with stdin closed after `input`. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRESOR_BIN, ...args], {
      env: cliEnvironment(options.env),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (status, signal) => {
      const stdoutBytes = Buffer.concat(stdout);
      resolve({ status, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), stdoutBytes });
    });

    // A child that exits before reading stdin closes the pipe; that is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A person using the CLI with their own credentials folder (TRESOR_CONFIG_DIR). */
export interface CliUser {
  email: string;
  configDir: string;
  /** The server and personal access token `tresor login` saved; null before login. */
  session: { server: string; token: string } | null;
  run(args: readonly string[], options?: CliRunOptions): Promise<CliResult>;
  cleanup(): Promise<void>;
}

/** Creates an empty credentials folder and a runner that uses it, before any login. */
export async function createCliUser(email: string): Promise<CliUser> {
  const configDir = await mkdtemp(path.join(os.tmpdir(), 'tresor-cli-config-'));
  return {
    email,
    configDir,
    session: null,
    run: (args, options = {}) => runCli(args, { ...options, env: { TRESOR_CONFIG_DIR: configDir, ...options.env } }),
    cleanup: () => rm(configDir, { recursive: true, force: true }),
  };
}

/** Signs a person in with `tresor login`, the password on stdin; throws with the CLI's stderr on failure. */
export async function loginCliUser(server: TresorServer, email: string, password: string): Promise<CliUser> {
  const user = await createCliUser(email);
  const login = await user.run(['login', '--server', server.url, '--email', email], { input: `${password}\n` });
  if (login.status !== 0) {
    throw new Error(`tresor login failed (${login.status}): ${login.stderr}`);
  }
  const saved = JSON.parse(await readFile(path.join(user.configDir, 'credentials.json'), 'utf8')) as { server: string; token: string };
  return { ...user, session: { server: saved.server, token: saved.token } };
}

export function loginOwnerCli(server: TresorServer): Promise<CliUser> {
  return loginCliUser(server, OWNER_EMAIL, OWNER_PASSWORD);
}

/** Creates another user in the server's database with `tresor init`, while the server runs. */
export async function initUser(server: TresorServer, email: string, password: string): Promise<void> {
  const init = await runCli(['init', '--data-dir', server.dataDir, '--database', server.databaseUrl, '--email', email], { input: `${password}\n` });
  if (init.status !== 0) {
    throw new Error(`tresor init failed (${init.status}): ${init.stderr}`);
  }
}

let scopeCounter = 0;

/** One module's secrets in one environment, as the --app/--env/--module flags. */
export interface TestScope {
  app: string;
  environment: string;
  module: string;
  flags: string[];
}

/** Sends one API request as a signed-in user and throws unless it succeeded. */
async function apiAsUser(user: CliUser, method: string, route: string, body: unknown): Promise<void> {
  if (user.session === null) {
    throw new Error(`${user.email} is not signed in: use loginCliUser first.`);
  }
  const response = await api(user.session.server, user.session.token, method, route, body);
  if (response.status >= 300) {
    throw new Error(`${method} ${route} failed (${response.status}): ${response.text}`);
  }
}

/**
 * Creates an app of its own for one test, so tests never share data, with one environment
 * and one module. It goes through the API because it is set-up: the CLI commands that do
 * the same have tests of their own.
 */
export async function createScope(user: CliUser, prefix: string, environment = 'test', module = 'api'): Promise<TestScope> {
  scopeCounter += 1;
  const app = `${prefix}-${process.pid}-${scopeCounter}`;
  await apiAsUser(user, 'POST', '/apps', { name: app });
  await apiAsUser(user, 'POST', `/apps/${app}/environments`, { name: environment });
  await apiAsUser(user, 'POST', `/apps/${app}/modules`, { name: module });
  return { app, environment, module, flags: ['--app', app, '--env', environment, '--module', module] };
}

/** Adds a module to an existing app and returns its scope. */
export async function addModule(user: CliUser, scope: TestScope, module: string): Promise<TestScope> {
  await apiAsUser(user, 'POST', `/apps/${scope.app}/modules`, { name: module });
  return { ...scope, module, flags: ['--app', scope.app, '--env', scope.environment, '--module', module] };
}

/** Creates a service token for the scope and returns it (the only line on stdout). */
export async function createServiceToken(user: CliUser, scope: TestScope): Promise<string> {
  const result = await user.run(['tokens', 'create', ...scope.flags]);
  if (result.status !== 0) {
    throw new Error(`tresor tokens create failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** A text to wait for in the terminal output, and the keys to type once it appeared. */
export interface TerminalAnswer {
  after: string;
  type: string;
}

export interface TerminalResult {
  status: number | null;
  /** Everything the terminal showed: stdout and stderr together, with LF written as CRLF. */
  output: string;
}

function quoteForShell(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * Runs the built `tresor` binary on a pseudo-terminal made by util-linux `script`, so stdin,
 * stdout and stderr are all a TTY, and types each answer once its prompt appeared.
 */
export function runInTerminal(args: readonly string[], options: { env?: Record<string, string | undefined>; answers?: TerminalAnswer[] } = {}): Promise<TerminalResult> {
  const command = [process.execPath, TRESOR_BIN, ...args].map(quoteForShell).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      env: cliEnvironment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const answers = [...(options.answers ?? [])];
    let output = '';
    let searchFrom = 0;
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);

    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const next = answers[0];
      const found = next === undefined ? -1 : output.indexOf(next.after, searchFrom);
      if (next !== undefined && found !== -1) {
        answers.shift();
        searchFrom = found + next.after.length;
        child.stdin.write(next.type);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(deadline);
      resolve({ status, output });
    });
  });
}
