import type { FastifyInstance } from 'fastify';

import type { Services } from '../../services/index.js';
import { requireUser } from '../auth.js';
import { APP_PARAMS, ERROR_RESPONSES, NAME_SCHEMA, SCOPE_PARAMS } from '../schemas.js';

const TOKEN_INFO = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    environment: { type: 'string' },
    module: { type: 'string' },
    hint: { type: 'string' },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    lastDeliveryAt: { type: ['string', 'null'] },
    lastDeliveryRevision: { type: ['integer', 'null'] },
    currentRevision: { type: 'integer' },
    stale: { type: 'boolean', description: 'the newest delivery got an older revision than the current one: restart the module' },
  },
  required: ['id', 'name', 'environment', 'module', 'hint', 'createdAt'],
} as const;

/** Service tokens: each one reads one module's secrets in one environment. */
export function registerTokensRoutes(app: FastifyInstance, services: Services): void {
  const preHandler = requireUser(services.users);

  app.post<{ Params: { app: string; environment: string; module: string }; Body: { name?: string } }>(
    '/apps/:app/environments/:environment/modules/:module/tokens',
    {
      preHandler,
      schema: {
        summary: 'Issue a service token; the token is in this response only',
        tags: ['tokens'],
        params: SCOPE_PARAMS,
        body: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } }, additionalProperties: false },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, tokenInfo: TOKEN_INFO }, required: ['token', 'tokenInfo'] }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { app: appName, environment, module } = request.params;
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(await services.tokens.create(request.tresor, { app: appName, environment, module }, request.body?.name));
    },
  );

  app.get<{ Params: { app: string }; Querystring: { environment?: string; module?: string } }>(
    '/apps/:app/tokens',
    {
      preHandler,
      schema: {
        summary: 'List an app\'s service tokens (hints only, never the tokens)',
        tags: ['tokens'],
        params: APP_PARAMS,
        querystring: { type: 'object', properties: { environment: NAME_SCHEMA, module: NAME_SCHEMA }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { tokens: { type: 'array', items: TOKEN_INFO } }, required: ['tokens'] }, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ tokens: await services.tokens.list(request.tresor, request.params.app, request.query) }),
  );

  app.delete<{ Params: { app: string; id: string } }>(
    '/apps/:app/tokens/:id',
    {
      preHandler,
      schema: {
        summary: 'Revoke a service token; its next request is refused',
        tags: ['tokens'],
        params: { type: 'object', properties: { app: NAME_SCHEMA, id: { type: 'string', maxLength: 64 } }, required: ['app', 'id'] },
        response: { 204: { type: 'null' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await services.tokens.revoke(request.tresor, request.params.app, request.params.id);
      return reply.status(204).send();
    },
  );
}
