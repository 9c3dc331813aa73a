import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import { TresorError } from '../domain/errors.js';
import { buildServer } from './app.js';
import { openRuntime, type Runtime, type RuntimeOptions } from './runtime.js';

export interface StartServerOptions extends RuntimeOptions {
  host: string;
  port: number;
  version: string;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  runtime: Runtime;
  close(): Promise<void>;
}

/** Opens the runtime and listens; `close` stops accepting, drains requests and flushes buffers. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const runtime = await openRuntime({ ...options, checkpointInBackground: true });
  const app = await buildServer({ services: runtime.services, logger: options.logger, version: options.version });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await runtime.close();
    throw describeListenFailure(error, options.host, options.port) ?? error;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  await logStart(runtime, options.logger, url, options.dataDir);

  let closing: Promise<void> | null = null;
  return {
    url,
    app,
    runtime,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await runtime.close();
      })();
      return closing;
    },
  };
}

async function logStart(runtime: Runtime, logger: Logger, url: string, dataDir: string): Promise<void> {
  logger.info({ url, database: runtime.store.location, dataDir }, 'Tresor is listening');
  const anyUser = await runtime.store.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyUser === undefined) {
    logger.info({ dataDir }, 'No users yet: create the owner with `tresor init`');
  }
}

function describeListenFailure(error: unknown, host: string, port: number): TresorError | null {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new TresorError('CONFLICT', `Port ${port} on ${host} is already in use. Stop the other server, or pass another --port.`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new TresorError('VALIDATION_FAILED', `Can't listen on ${host}: no such address on this machine. Pass --host 127.0.0.1 or an address this machine has.`);
  }
  if (code === 'EACCES') {
    return new TresorError('VALIDATION_FAILED', `Not allowed to listen on port ${port}. Ports below 1024 need extra privileges; pass --port 8420, say.`);
  }
  return null;
}
