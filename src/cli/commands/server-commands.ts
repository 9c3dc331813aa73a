import path from 'node:path';

import type { Command } from 'commander';

import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CliContext } from '../context.js';

const DEFAULT_DATA_DIR = '.tresor';
const DEFAULT_PORT = 8420;

interface LocalOptions {
  dataDir: string;
  database?: string;
}

function addLocalOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'folder of the embedded database and the root key file', DEFAULT_DATA_DIR)
    .option('--database <url>', 'database URL: postgres://... or sqlite:PATH (default: TRESOR_DATABASE_URL, else SQLite in the data folder)');
}

function databaseUrl(options: LocalOptions, env: NodeJS.ProcessEnv): string | undefined {
  return options.database ?? (env['TRESOR_DATABASE_URL'] || undefined);
}

/** Commands that run on the server's machine and open the database directly. */
export function registerServerCommands(program: Command, context: CliContext): void {
  addLocalOptions(
    program
      .command('server')
      .description('run the Tresor server')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--port <port>', 'TCP port to listen on', String(DEFAULT_PORT))
      .option('--log-level <level>', 'pino log level: fatal, error, warn, info, debug', 'info')
      .option('--pool-size <connections>', 'most PostgreSQL connections this instance opens (default: TRESOR_DATABASE_POOL_SIZE, else 10)'),
  ).action(async (options: LocalOptions & { host: string; port: string; logLevel: string; poolSize?: string }) => {
    const { runServer } = await import('./server-action.js');
    await runServer(context, {
      dataDir: path.resolve(options.dataDir),
      databaseUrl: databaseUrl(options, context.env),
      host: options.host,
      port: parsePort(options.port),
      logLevel: options.logLevel,
      poolSize: poolSize(options.poolSize, context.env),
      version: VERSION,
    });
  });

  addLocalOptions(
    program
      .command('init')
      .description(
        'create a user in the database (password from a hidden prompt, stdin or TRESOR_PASSWORD). Each user owns the apps they create; run it again to add a person whom an owner can grant a role with `tresor members grant`.',
      )
      .requiredOption('--email <email>', 'e-mail address the owner signs in with'),
  ).action(async (options: LocalOptions & { email: string }) => {
    const { runInit } = await import('./server-action.js');
    await runInit(context, { dataDir: path.resolve(options.dataDir), databaseUrl: databaseUrl(options, context.env), email: options.email });
  });

  addLocalOptions(program.command('migrate').description('apply pending database migrations and exit')).action(async (options: LocalOptions) => {
    const { runMigrate } = await import('./server-action.js');
    await runMigrate(context, { dataDir: path.resolve(options.dataDir), databaseUrl: databaseUrl(options, context.env) });
  });
}

const MAX_POOL_SIZE = 1000;

function poolSize(option: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const fromEnvironment = env['TRESOR_DATABASE_POOL_SIZE'] || undefined;
  const text = option ?? fromEnvironment;
  if (text === undefined) {
    return undefined;
  }
  const size = Number(text);
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    const source = option === undefined ? 'TRESOR_DATABASE_POOL_SIZE' : '--pool-size';
    throw new UsageError(`Invalid ${source} ${JSON.stringify(text)}: use a whole number of connections from 1 to ${MAX_POOL_SIZE}.`);
  }
  return size;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Invalid --port ${JSON.stringify(text)}: use a whole number from 0 to 65535.`);
  }
  return port;
}
