import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

import { startScriptNodeOptions, TRESOR_BIN } from './paths.mjs';

export const OWNER_EMAIL = 'bench-owner@example.com';

/** A fresh password per run: the benchmark never prints it and nothing outside the run needs it. */
export const OWNER_PASSWORD = randomBytes(18).toString('base64url');

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
// USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100 on every Linux architecture Node.js runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Returns the environment of every Tresor process the benchmarks start: the caller's,
 * without the variables that would point Tresor at another root key, database or server.
 */
export function tresorEnvironment(extra = {}) {
  const env = { ...process.env };
  for (const name of ['TRESOR_ROOT_KEY', 'TRESOR_ROOT_KEY_FILE', 'TRESOR_DATABASE_URL', 'TRESOR_TOKEN', 'TRESOR_SERVER', 'TRESOR_URL']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

export function assertBuilt() {
  if (!fs.existsSync(TRESOR_BIN)) {
    throw new Error(`${TRESOR_BIN} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  }
}

/** Binds port 0 on 127.0.0.1 so the kernel picks a free port, then releases it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Creates the owner account with `tresor init`, the password on stdin. */
export function initOwner({ dataDir, databaseUrl }) {
  const args = [TRESOR_BIN, 'init', '--data-dir', dataDir, '--email', OWNER_EMAIL];
  if (databaseUrl !== undefined) {
    args.push('--database', databaseUrl);
  }
  const result = spawnSync(process.execPath, args, { env: tresorEnvironment(), input: `${OWNER_PASSWORD}\n`, timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`tresor init failed with exit code ${result.status}: ${result.stderr.toString('utf8').trim()}`);
  }
}

/**
 * Starts `tresor server` on a free port of 127.0.0.1, with its log in a file of the data
 * folder, and waits until GET /api/v1/health returns 200. `readyMs` is the time from spawn to the
 * first successful health check. The Node.js options of `npm start` go before the script,
 * then `nodeOptions`, such as `--cpu-prof`.
 */
export async function startTresorServer({ dataDir, databaseUrl, logLevel = 'info', nodeOptions = [] }) {
  assertBuilt();
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const port = await freePort();
    const logFile = path.join(dataDir, `server-${port}.log`);
    const log = fs.openSync(logFile, 'a');
    const args = [...startScriptNodeOptions(), ...nodeOptions, TRESOR_BIN, 'server', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--log-level', logLevel];
    if (databaseUrl !== undefined) {
      args.push('--database', databaseUrl);
    }

    const startedAt = performance.now();
    const child = spawn(process.execPath, args, { env: tresorEnvironment(), stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitForHealth(url, child);
    if (ready) {
      return {
        url,
        pid: child.pid,
        logFile,
        readyMs: performance.now() - startedAt,
        rssBytes: () => residentSetSize(child.pid),
        stop: () => stopProcess(child),
      };
    }
    // A port taken between freePort() and listen() makes the server exit: try another one.
    if (child.exitCode === null) {
      await stopProcess(child);
    }
  }
  throw new Error(`tresor server did not start on 127.0.0.1; see the logs in ${dataDir}`);
}

async function waitForHealth(url, child) {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    if (await isHealthy(url)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

/** Sends one GET /api/v1/health on a new connection, with plain node:http so the poll itself costs little. */
function isHealthy(url) {
  return new Promise((resolve) => {
    const request = http.get(`${url}/api/v1/health`, { agent: false, timeout: 1000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** Sends SIGTERM, and SIGKILL if the process has not exited after 10 s. */
export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Reads a process's resident set size from /proc (Linux), in bytes. */
export async function residentSetSize(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) {
    throw new Error(`/proc/${pid}/status has no VmRSS line`);
  }
  return Number(match[1]) * 1024;
}

/** Reads the CPU time (user and system) a process has used so far from /proc (Linux), in seconds. */
export async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name in brackets may contain spaces, so count fields after its closing bracket.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}
