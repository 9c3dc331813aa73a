import type { FastifyInstance, FastifyReply, FastifyRequest, LogLevel } from 'fastify';

import { TresorError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import { bearerToken } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Registers the hot path: every start of a module's process waits on this one request. */
export function registerDeliveryRoute(app: FastifyInstance, services: Services): void {
  const logLevel = deliveryLogLevel(app.log.level);
  const serverLog = app.log;
  // With the route's own request lines off, a rejected or failed delivery still gets its
  // "request completed" line at info, as every request of the other routes does.
  const quietLogging = {
    logLevel,
    onResponse: async (request: FastifyRequest, reply: FastifyReply) => {
      if (reply.statusCode !== 200) {
        serverLog.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
      }
    },
  };

  app.get(
    '/delivery',
    {
      ...(logLevel === undefined ? {} : quietLogging),
      schema: {
        summary: 'Fetch the secrets of the module and environment the service token belongs to',
        description: 'Authenticate with `Authorization: Bearer tsr_svc_...`. The response is `{ app, environment, module, revision, secrets: { KEY: value } }`.',
        tags: ['delivery'],
        response: {
          200: {
            type: 'object',
            properties: {
              app: { type: 'string' },
              environment: { type: 'string' },
              module: { type: 'string' },
              revision: { type: 'integer' },
              secrets: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const token = bearerToken(request);
      if (token === null) {
        throw new TresorError('UNAUTHENTICATED', 'Send the module\'s service token as Authorization: Bearer tsr_svc_...');
      }
      const delivery = await services.delivery.deliver(token, request.ip);
      // The body is prebuilt JSON bytes; a Buffer bypasses the response serializer.
      return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(delivery.body);
    },
  );
}

/**
 * Returns the log level of the delivery route, or undefined to keep the server's. At the
 * default level, info, a successful delivery writes no request lines ("incoming request",
 * "request completed"); at debug and trace it does. Each delivery is already recorded in
 * the database with its token, revision, address and time, and the two lines cost more
 * CPU than serving the delivery (docs/benchmarks.md has the figures). Warnings and errors
 * of the route are still logged.
 */
function deliveryLogLevel(serverLevel: string): LogLevel | undefined {
  return serverLevel === 'info' ? 'warn' : undefined;
}
