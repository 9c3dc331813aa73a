import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createTestDatabaseUrl } from './test-database.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TRESOR_BIN = path.join(PROJECT_ROOT, 'dist/cli/bin.js');

export const OWNER_EMAIL = 'owner@example.com';
export const OWNER_PASSWORD = 'owner-password-for-tests-only';

export interface TresorServer {
  url: string;
  dataDir: string;
  /** The server's raw log (stdout and stderr), for canary checks. */
  logFile: string;
  databaseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data folder (and its root key) instead of a new one. */
  dataDir?: string;
  /** A database URL; default is a fresh database of the dialect under test (TRESOR_TEST_DIALECT). */
  databaseUrl?: string;
  /** Create the owner account before starting. */
  createOwner?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function assertBuilt(): void {
  if (!fs.existsSync(TRESOR_BIN)) {
    throw new Error(`${TRESOR_BIN} is missing: run \`npm run build\` first (npm test does).`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs the real `tresor` binary to completion, with optional stdin. */
export function runTresorSync(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [TRESOR_BIN, ...args], {
    env: { ...process.env, ...options.env },
    input: options.input ?? '',
    cwd: options.cwd,
    timeout: 60_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8'), stdoutBytes: result.stdout };
}

/** Starts `tresor server` as a child process on a free port of 127.0.0.1 and waits until it responds. */
export async function startTresorServer(options: StartOptions = {}): Promise<TresorServer> {
  assertBuilt();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tresor-test-')));
  const ownDatabase = options.databaseUrl === undefined ? await createTestDatabaseUrl() : null;
  const databaseUrl = options.databaseUrl ?? ownDatabase?.url ?? '';
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.env?.['TRESOR_ROOT_KEY'] === undefined) {
    delete env['TRESOR_ROOT_KEY'];
  }

  if (options.createOwner ?? true) {
    const init = runTresorSync(['init', '--data-dir', dataDir, '--database', databaseUrl, '--email', OWNER_EMAIL], { env, input: `${OWNER_PASSWORD}\n` });
    if (init.status !== 0 && !init.stderr.includes('already exists')) {
      throw new Error(`tresor init failed (${init.status}): ${init.stderr}`);
    }
  }

  const logFile = path.join(dataDir, `server-${Date.now()}-${Math.random().toString(16).slice(2)}.log`);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [TRESOR_BIN, 'server', '--data-dir', dataDir, '--database', databaseUrl, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'debug'], {
      env,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitUntilReady(url, child);
    if (!ready) {
      continue;
    }
    return {
      url,
      dataDir,
      logFile,
      databaseUrl,
      process: child,
      stop: async () => {
        await stopProcess(child);
        await ownDatabase?.cleanup();
        if (ownsDataDir) {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  }
  throw new Error(`tresor server did not start; log:\n${fs.readFileSync(logFile, 'utf8')}`);
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    try {
      const response = await fetch(`${url}/api/v1/health`);
      if (response.ok) {
        return true;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  return false;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timeout);
}

/** Signs in as the owner through the API and returns a personal access token. */
export async function loginOwner(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: OWNER_EMAIL, password: OWNER_PASSWORD }),
  });
  if (!response.ok) {
    throw new Error(`login failed: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { token: string }).token;
}

/** A small JSON client for tests: returns status and parsed body. */
export async function api(url: string, token: string | null, method: string, route: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== null) {
    headers['authorization'] = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${url}/api/v1${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed, text };
}
