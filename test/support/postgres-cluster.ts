import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync, rmSync } from 'node:fs';
import { access, appendFile, chown, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/** A throwaway PostgreSQL server on 127.0.0.1, owned by the test run that started it. */
export interface PostgresCluster {
  /** Temporary folder that contains the data directory, the socket and the server log. */
  readonly folder: string;
  readonly port: number;
  /** Returns `postgres://tresor@127.0.0.1:PORT/DATABASE`, for the `postgres` database by default. */
  url(database?: string): string;
  /** Creates an empty database, with a random name unless one is given, and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server with a fast shutdown and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server and deletes its folder. Calling it again does nothing. */
  stop(): Promise<void>;
}

export interface PostgresClusterOptions {
  log?: (line: string) => void;
  /**
   * PostgreSQL's durability defaults (fsync, synchronous_commit, full_page_writes on) when
   * true, as a production server has them. Off by default, because the tests trade
   * durability for speed.
   */
  durable?: boolean;
}

export class PostgresBinariesMissingError extends Error {
  override name = 'PostgresBinariesMissingError';
}

const INSTALL_ROOT = '/usr/lib/postgresql';
const MIN_MAJOR_VERSION = 15;
const REQUIRED_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];
const SUPERUSER = 'tresor';
const READY_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const LOG_TAIL_LINES = 40;

const execFileAsync = promisify(execFile);

/**
 * Finds the `bin` folder of the newest PostgreSQL (version 15 or later) installed the
 * Debian way. `pg_config --bindir` is not used because it can belong to another version
 * than the server packages.
 */
export async function findPostgresBinDir(installRoot = INSTALL_ROOT): Promise<string> {
  const entries = await readdir(installRoot).catch(() => []);
  const versions = entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((version) => version >= MIN_MAJOR_VERSION)
    .sort((a, b) => b - a);

  for (const version of versions) {
    const binDir = join(installRoot, String(version), 'bin');
    if (await allExecutable(REQUIRED_PROGRAMS.map((program) => join(binDir, program)))) {
      return binDir;
    }
  }

  throw new PostgresBinariesMissingError(
    `PostgreSQL binaries are missing: no ${installRoot}/<version>/bin contains ` +
      `${REQUIRED_PROGRAMS.join(', ')} for version ${MIN_MAJOR_VERSION} or later. ` +
      'Install them with `apt-get install postgresql`.',
  );
}

/** Initializes a new cluster in a temporary folder, starts it and waits until it accepts connections. */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const log = options.log ?? (() => {});
  const binDir = await findPostgresBinDir();
  const runner = await createProgramRunner();

  const folder = await mkdtemp(join(tmpdir(), 'tresor-postgres-'));
  const paths: ClusterPaths = {
    folder,
    data: join(folder, 'data'),
    socket: join(folder, 'socket'),
    serverLog: join(folder, 'server.log'),
  };

  try {
    await mkdir(paths.socket, { mode: 0o700 });
    if (runner.owner) {
      await chown(paths.folder, runner.owner.uid, runner.owner.gid);
      await chown(paths.socket, runner.owner.uid, runner.owner.gid);
      await assertFolderReachable(paths.folder, runner.owner.uid);
    }

    log(`initializing a cluster in ${paths.data} with ${binDir}`);
    await runner.run(join(binDir, 'initdb'), [
      '--pgdata', paths.data,
      '--auth=trust',
      '--username', SUPERUSER,
      '--encoding', 'UTF8',
      '--no-locale',
      '--no-sync',
      '--no-instructions',
    ], folder);
    await configureCluster(paths, options.durable === true);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }

  const cluster = new LocalPostgresCluster(binDir, runner, paths, log);
  await cluster.startOnFreePort();
  return cluster;
}

/** Creates an empty database through a superuser connection and returns the database's URL. */
export async function createPostgresDatabase(adminUrl: string, name = randomDatabaseName()): Promise<string> {
  assertDatabaseName(name);
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  return databaseUrl(adminUrl, name);
}

/** Drops a database even while clients are still connected to it. */
export async function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  assertDatabaseName(name);
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

export function randomDatabaseName(): string {
  return `tresor_test_${randomBytes(6).toString('hex')}`;
}

/** Returns the URL of another database on the same server as `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.href;
}

interface ClusterPaths {
  folder: string;
  data: string;
  socket: string;
  serverLog: string;
}

class PortInUseError extends Error {}

class LocalPostgresCluster implements PostgresCluster {
  #port = 0;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly binDir: string,
    private readonly runner: ProgramRunner,
    private readonly paths: ClusterPaths,
    private readonly log: (line: string) => void,
  ) {}

  get folder(): string {
    return this.paths.folder;
  }

  get port(): number {
    return this.#port;
  }

  url(database = 'postgres'): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.#port}/${encodeURIComponent(database)}`;
  }

  createDatabase(name?: string): Promise<string> {
    return createPostgresDatabase(this.url(), name);
  }

  /** Picks a free port and starts the server, trying another port when one was taken in between. */
  async startOnFreePort(): Promise<void> {
    liveClusters.add(this);
    installExitCleanup();

    for (let attempt = 1; ; attempt += 1) {
      this.#port = await findFreePort();
      try {
        await this.startServer();
        return;
      } catch (error) {
        if (error instanceof PortInUseError && attempt < PORT_ATTEMPTS) {
          this.log(`port ${this.#port} was taken before the server bound it, trying another one`);
          continue;
        }
        await this.stop();
        throw error;
      }
    }
  }

  async restart(): Promise<void> {
    if (this.#stopping) {
      throw new Error('Can\'t restart a PostgreSQL cluster after stop(): start a new one instead.');
    }
    await this.pgCtl(['stop', '-m', 'fast', '-w', '-t', '30']);
    await this.startServer();
    this.log(`restarted on 127.0.0.1:${this.#port}`);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.shutDown();
    return this.#stopping;
  }

  /** Stops the server at once without waiting for clients; safe to call from an exit handler. */
  stopImmediatelySync(): void {
    liveClusters.delete(this);
    if (existsSync(join(this.paths.data, 'postmaster.pid'))) {
      const [file, args] = this.runner.command(join(this.binDir, 'pg_ctl'), [
        'stop', '--pgdata', this.paths.data, '-m', 'immediate', '-w', '-t', '10',
      ]);
      spawnSync(file, args, { cwd: this.paths.folder, stdio: 'ignore', env: programEnvironment() });
    }
    rmSync(this.paths.folder, { recursive: true, force: true });
  }

  /** Starts the server and waits for a login, both within one READY_TIMEOUT_MS. */
  private async startServer(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const logOffset = await fileSize(this.paths.serverLog);

    try {
      await this.pgCtl([
        'start', '-w', '-t', String(READY_TIMEOUT_MS / 1000),
        '-l', this.paths.serverLog,
        '-o', `-p ${this.#port}`,
      ]);
    } catch (error) {
      const logTail = await readLogTail(this.paths.serverLog, logOffset);
      if (/could not bind .*Address already in use/.test(logTail)) {
        throw new PortInUseError(`Port ${this.#port} on 127.0.0.1 is already in use by another process.`);
      }
      throw new Error(
        `PostgreSQL failed to start on 127.0.0.1:${this.#port}: ${errorMessage(error)}\n` +
          `Server log tail:\n${logTail}`,
        { cause: error },
      );
    }

    await this.waitUntilReady(deadline, logOffset);
    this.log(`accepting connections on 127.0.0.1:${this.#port}`);
  }

  /** Polls with `SELECT 1`, because pg_ctl waits only for the server's pid file, not for a login over TCP. */
  private async waitUntilReady(deadline: number, logOffset: number): Promise<void> {
    let lastError: unknown;

    do {
      try {
        await withClient(this.url(), (client) => client.query('SELECT 1'));
        return;
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);

    const logTail = await readLogTail(this.paths.serverLog, logOffset);
    throw new Error(
      `PostgreSQL on 127.0.0.1:${this.#port} did not accept connections within ` +
        `${READY_TIMEOUT_MS / 1000} s (last error: ${errorMessage(lastError)}).\n` +
        `Server log tail:\n${logTail}`,
    );
  }

  private async shutDown(): Promise<void> {
    liveClusters.delete(this);

    if (existsSync(join(this.paths.data, 'postmaster.pid'))) {
      try {
        await this.pgCtl(['stop', '-m', 'fast', '-w', '-t', '30']);
      } catch (fastError) {
        this.log(`fast shutdown failed (${errorMessage(fastError)}), stopping immediately`);
        await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      }
    }

    await rm(this.paths.folder, { recursive: true, force: true });
    this.log(`stopped and removed ${this.paths.folder}`);
  }

  private async pgCtl(args: string[]): Promise<void> {
    const pgCtl = join(this.binDir, 'pg_ctl');
    await this.runner.run(pgCtl, [...args, '--pgdata', this.paths.data], this.paths.folder);
  }
}

/**
 * Appends the throwaway settings to postgresql.conf and allows connections only over the
 * private socket and 127.0.0.1. The port is passed at each start so that a retry on
 * another port needs no rewrite.
 */
async function configureCluster(paths: ClusterPaths, durable: boolean): Promise<void> {
  const settings = [
    '',
    '# Throwaway cluster: only loopback is reachable.',
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${paths.socket.replaceAll("'", "''")}'`,
    'unix_socket_permissions = 0700',
    'max_connections = 200',
    ...(durable ? [] : ['# Durability traded for speed.', 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    '',
  ];
  await appendFile(join(paths.data, 'postgresql.conf'), settings.join('\n'));

  const hostBasedAuthentication = [
    '# TYPE  DATABASE  USER  ADDRESS       METHOD',
    'local   all       all                 trust',
    'host    all       all   127.0.0.1/32  trust',
    '',
  ];
  await writeFile(join(paths.data, 'pg_hba.conf'), hostBasedAuthentication.join('\n'));
}

/** Runs PostgreSQL programs as the current user, or as `postgres` when the current user is root. */
interface ProgramRunner {
  /** The uid and gid that must own the cluster folder, when they differ from ours. */
  readonly owner: { uid: number; gid: number } | undefined;
  command(program: string, args: string[]): [file: string, args: string[]];
  run(program: string, args: string[], cwd: string): Promise<void>;
}

/** initdb and postgres exit with an error when started as root, so root runs them as `postgres`. */
async function createProgramRunner(): Promise<ProgramRunner> {
  if (process.getuid?.() !== 0) {
    return makeRunner(undefined, (program, args) => [program, args]);
  }

  const owner = await lookUpPostgresUser();
  const runuser = findProgram('runuser');
  if (runuser) {
    return makeRunner(owner, (program, args) => [runuser, ['-u', 'postgres', '--', program, ...args]]);
  }
  const setpriv = findProgram('setpriv');
  if (setpriv) {
    return makeRunner(owner, (program, args) => [
      setpriv,
      ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', program, ...args],
    ]);
  }
  const su = findProgram('su');
  if (su) {
    // su hands the words after the user name to the shell, which runs them as "$0" "$@".
    return makeRunner(owner, (program, args) => [
      su,
      ['-s', '/bin/sh', '--', 'postgres', '-c', 'exec "$0" "$@"', program, ...args],
    ]);
  }

  throw new Error(
    'initdb and postgres exit with an error when run as root, and none of runuser, setpriv or su ' +
      'was found to run them as the postgres user. Install util-linux or run the tests as another user.',
  );
}

function makeRunner(owner: ProgramRunner['owner'], command: ProgramRunner['command']): ProgramRunner {
  return {
    owner,
    command,
    async run(program, args, cwd) {
      const [file, fileArgs] = command(program, args);
      try {
        await execFileAsync(file, fileArgs, { cwd, env: programEnvironment(), timeout: 120_000 });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(
          `${basename(program)} ${args.join(' ')} failed: ${stderr || errorMessage(error)}`,
          { cause: error },
        );
      }
    },
  };
}

async function lookUpPostgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = await execFileAsync('id', ['-u', 'postgres']);
    const gid = await execFileAsync('id', ['-g', 'postgres']);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (error) {
    throw new Error(
      'initdb and postgres exit with an error when run as root, and there is no postgres user ' +
        'to run them as. Create it (`apt-get install postgresql` does) or run the tests as another user.',
      { cause: error },
    );
  }
}

function findProgram(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return folders
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, name))
    .find((path) => existsSync(path));
}

/** Returns the environment for PostgreSQL programs, in English so that the log can be searched. */
function programEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C' };
}

/** Checks that the postgres user has search permission on every folder above the cluster folder. */
async function assertFolderReachable(folder: string, uid: number): Promise<void> {
  for (let parent = dirname(folder); ; parent = dirname(parent)) {
    const info = await stat(parent);
    const searchable = info.uid === uid || (info.mode & 0o001) !== 0;
    if (!searchable) {
      throw new Error(
        `The postgres user can't enter ${parent}, so it can't reach the cluster in ${folder}. ` +
          'Set TMPDIR to a folder every user can enter, such as /tmp.',
      );
    }
    if (parent === dirname(parent)) {
      return;
    }
  }
}

/** Binds port 0 on 127.0.0.1 to let the kernel pick a free port, then releases it. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) {
        server.close();
        reject(new Error('Failed to get a free port on 127.0.0.1: the socket has no TCP address.'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server that goes away emits 'error' on the client; the failed query already reports it.
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function assertDatabaseName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(
      `Invalid database name "${name}": use 1 to 63 lowercase letters, digits and underscores, ` +
        'starting with a letter or an underscore.',
    );
  }
}

async function allExecutable(paths: string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((path) => access(path, fsConstants.X_OK)));
    return true;
  } catch {
    return false;
  }
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then((info) => info.size, () => 0);
}

/** Returns the last lines the server logged since `offset`. */
async function readLogTail(path: string, offset: number): Promise<string> {
  let text: string;
  try {
    const file = await open(path);
    try {
      const { size } = await file.stat();
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      await file.read(buffer, 0, buffer.length, offset);
      text = buffer.toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return '(no server log was written)';
  }
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n') || '(the server log is empty)';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Clusters still running when the process ends are stopped by the handlers below, so a
// crashed or interrupted test run leaves no postgres behind.
// NOTE: a SIGKILL skips these handlers and leaves the server running.
const liveClusters = new Set<LocalPostgresCluster>();
let exitCleanupInstalled = false;

function installExitCleanup(): void {
  if (exitCleanupInstalled) {
    return;
  }
  exitCleanupInstalled = true;

  // Prepended, because a listener that calls process.exit() during 'exit' (vitest's does)
  // ends the process before the listeners after it run.
  process.prependListener('exit', stopLiveClustersSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.prependOnceListener(signal, () => {
      stopLiveClustersSync();
      // Adding a listener disables the default exit on this signal, so restore it when
      // no one else handles the signal.
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    });
  }
}

function stopLiveClustersSync(): void {
  for (const cluster of liveClusters) {
    try {
      cluster.stopImmediatelySync();
    } catch {
      // Best effort: the process is ending and has no one left to report to.
    }
  }
}
