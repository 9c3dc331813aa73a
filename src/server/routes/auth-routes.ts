import type { FastifyInstance } from 'fastify';

import type { Services } from '../../services/index.js';
import { requireUser } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

const USER = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['id', 'email'],
} as const;

export function registerAuthRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Body: { email: string; password: string; tokenName?: string } }>(
    '/auth/login',
    {
      schema: {
        summary: 'Check an e-mail and password and issue a personal access token',
        tags: ['auth'],
        body: {
          type: 'object',
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            tokenName: { type: 'string', minLength: 1, maxLength: 64 },
          },
          required: ['email', 'password'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { token: { type: 'string' }, user: USER }, required: ['token', 'user'] }, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const context = { actor: { kind: 'system' as const }, address: request.ip };
      return services.users.login(context, request.body.email, request.body.password, request.body.tokenName ?? 'tresor-cli');
    },
  );

  app.post(
    '/auth/logout',
    {
      preHandler: requireUser(services.users),
      schema: { summary: 'Revoke the access token of this request', tags: ['auth'], response: { 204: { type: 'null' }, ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      await services.users.logout(request.tresor);
      return reply.status(204).send();
    },
  );

  app.get(
    '/me',
    {
      preHandler: requireUser(services.users),
      schema: { summary: 'The signed-in user', tags: ['auth'], response: { 200: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] }, ...ERROR_RESPONSES } },
    },
    async (request) => {
      const { actor } = request.tresor;
      return { email: actor.kind === 'user' ? actor.email : '' };
    },
  );
}
