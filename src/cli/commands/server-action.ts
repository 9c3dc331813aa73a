import { createLogger } from '../../server/logger.js';
import { boundHeapGrowth } from '../../server/memory-tuning.js';
import { openRuntime, type Runtime } from '../../server/runtime.js';
import { startServer } from '../../server/start.js';
import type { CliContext } from '../context.js';
import { readPassword } from '../input.js';

interface LocalDatabase {
  dataDir: string;
  databaseUrl: string | undefined;
}

export async function runServer(
  context: CliContext,
  options: LocalDatabase & { host: string; port: number; logLevel: string; poolSize: number | undefined; version: string },
): Promise<void> {
  boundHeapGrowth();
  const logger = createLogger(options.logLevel);
  const server = await startServer({ ...options, env: context.env, logger });
  await printWhereToSignIn(context, server.url, options.dataDir, server.runtime);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'Stopping: draining requests and flushing delivery records');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'Failed to stop cleanly');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  logger.info('Stopped');
}

/** Prints the next steps for a person at the terminal; the JSON log on stdout records the same for machines. */
async function printWhereToSignIn(context: CliContext, url: string, dataDir: string, runtime: Runtime): Promise<void> {
  const anyUser = await runtime.store.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  const lines = [`Tresor is listening on ${url} (database: ${runtime.store.location})`];
  if (anyUser === undefined) {
    lines.push(`No users yet. Create the owner:  tresor init --data-dir ${dataDir} --email you@example.com`);
  }
  lines.push(`Sign in:  tresor login --server ${url} --email you@example.com`);
  context.stderr.write(`${lines.join('\n')}\n`);
}

export async function runInit(context: CliContext, options: LocalDatabase & { email: string }): Promise<void> {
  const logger = createLogger('warn', process.stderr);
  const password = await readPassword(context, context.env, 'TRESOR_PASSWORD', `Password for ${options.email}: `);
  const runtime = await openRuntime({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, env: context.env, logger });
  try {
    const user = await runtime.services.users.createUser({ actor: { kind: 'system' }, address: null }, options.email, password);
    context.stderr.write(`Created user ${user.email}. Sign in with \`tresor login --server URL --email ${user.email}\` (start the server first with \`tresor server --data-dir ${options.dataDir}\` if it is not running).\n`);
  } finally {
    await runtime.close();
  }
}

export async function runMigrate(context: CliContext, options: LocalDatabase): Promise<void> {
  const logger = createLogger('info', process.stderr);
  const runtime = await openRuntime({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, env: context.env, logger });
  await runtime.close();
  context.stderr.write(`The database at ${runtime.store.location} is up to date.\n`);
}
