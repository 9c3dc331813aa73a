import type { FastifyInstance } from 'fastify';

import { TresorError } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import { bearerToken } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** The hot path: every start of a module's process waits on this one request. */
export function registerDeliveryRoute(app: FastifyInstance, services: Services): void {
  app.get(
    '/delivery',
    {
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
