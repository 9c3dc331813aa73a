import type { FastifyInstance } from 'fastify';

import type { Services } from '../../services/index.js';
import { requireUser } from '../auth.js';
import { APP_PARAMS, ERROR_RESPONSES, NAME_BODY } from '../schemas.js';

const APP = {
  type: 'object',
  properties: { name: { type: 'string' }, owner: { type: 'string' }, role: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['name', 'owner', 'role', 'createdAt'],
} as const;

const NAMED = {
  type: 'object',
  properties: { name: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['name', 'createdAt'],
} as const;

const MEMBER = {
  type: 'object',
  properties: { email: { type: 'string' }, role: { type: 'string' }, createdAt: { type: 'string' } },
  required: ['email', 'role'],
} as const;

/** Apps, their environments, modules and members. */
export function registerAppsRoutes(app: FastifyInstance, services: Services): void {
  const preHandler = requireUser(services.users);

  app.get('/apps', { preHandler, schema: { summary: 'List the apps you own or are a member of', tags: ['apps'], response: { 200: { type: 'object', properties: { apps: { type: 'array', items: APP } }, required: ['apps'] }, ...ERROR_RESPONSES } } }, async (request) => ({
    apps: await services.apps.listApps(request.tresor),
  }));

  app.post<{ Body: { name: string } }>(
    '/apps',
    { preHandler, schema: { summary: 'Create an app owned by you', tags: ['apps'], body: NAME_BODY, response: { 201: APP, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.status(201).send(await services.apps.createApp(request.tresor, request.body.name)),
  );

  app.get<{ Params: { app: string } }>(
    '/apps/:app/environments',
    { preHandler, schema: { summary: 'List the environments of an app', tags: ['environments'], params: APP_PARAMS, response: { 200: { type: 'object', properties: { environments: { type: 'array', items: NAMED } }, required: ['environments'] }, ...ERROR_RESPONSES } } },
    async (request) => ({ environments: await services.environments.list(request.tresor, request.params.app) }),
  );

  app.post<{ Params: { app: string }; Body: { name: string } }>(
    '/apps/:app/environments',
    { preHandler, schema: { summary: 'Create an empty environment', tags: ['environments'], params: APP_PARAMS, body: NAME_BODY, response: { 201: NAMED, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.status(201).send(await services.environments.create(request.tresor, request.params.app, request.body.name)),
  );

  app.get<{ Params: { app: string } }>(
    '/apps/:app/modules',
    { preHandler, schema: { summary: 'List the modules of an app', tags: ['modules'], params: APP_PARAMS, response: { 200: { type: 'object', properties: { modules: { type: 'array', items: NAMED } }, required: ['modules'] }, ...ERROR_RESPONSES } } },
    async (request) => ({ modules: await services.modules.list(request.tresor, request.params.app) }),
  );

  app.post<{ Params: { app: string }; Body: { name: string } }>(
    '/apps/:app/modules',
    { preHandler, schema: { summary: 'Create a module', tags: ['modules'], params: APP_PARAMS, body: NAME_BODY, response: { 201: NAMED, ...ERROR_RESPONSES } } },
    async (request, reply) => reply.status(201).send(await services.modules.create(request.tresor, request.params.app, request.body.name)),
  );

  app.get<{ Params: { app: string } }>(
    '/apps/:app/members',
    { preHandler, schema: { summary: 'List the members of an app', tags: ['members'], params: APP_PARAMS, response: { 200: { type: 'object', properties: { members: { type: 'array', items: MEMBER } }, required: ['members'] }, ...ERROR_RESPONSES } } },
    async (request) => ({ members: await services.apps.listMembers(request.tresor, request.params.app) }),
  );

  app.put<{ Params: { app: string; email: string }; Body: { role: string } }>(
    '/apps/:app/members/:email',
    {
      preHandler,
      schema: {
        summary: 'Grant a person a role on an app (owner only)',
        tags: ['members'],
        params: { type: 'object', properties: { app: { type: 'string' }, email: { type: 'string', maxLength: 254 } }, required: ['app', 'email'] },
        body: { type: 'object', properties: { role: { type: 'string' } }, required: ['role'], additionalProperties: false },
        response: { 200: MEMBER, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.apps.grantMember(request.tresor, request.params.app, request.params.email, request.body.role),
  );

  app.delete<{ Params: { app: string; email: string } }>(
    '/apps/:app/members/:email',
    {
      preHandler,
      schema: {
        summary: 'Remove a member from an app (owner only)',
        tags: ['members'],
        params: { type: 'object', properties: { app: { type: 'string' }, email: { type: 'string', maxLength: 254 } }, required: ['app', 'email'] },
        response: { 204: { type: 'null' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await services.apps.revokeMember(request.tresor, request.params.app, request.params.email);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { app: string }; Querystring: { limit?: string } }>(
    '/apps/:app/audit',
    {
      preHandler,
      schema: {
        summary: 'The newest audit events of an app (never a value)',
        tags: ['audit'],
        params: APP_PARAMS,
        querystring: { type: 'object', properties: { limit: { type: 'string', pattern: '^(1000|[1-9][0-9]{0,2})$', description: 'events to return, 1 to 1000' } }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    createdAt: { type: 'string' },
                    actorKind: { type: 'string' },
                    actorId: { type: ['string', 'null'] },
                    action: { type: 'string' },
                    target: { type: ['string', 'null'] },
                    allowed: { type: 'boolean' },
                    address: { type: ['string', 'null'] },
                  },
                },
              },
            },
            required: ['events'],
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const app = await services.access.requireApp(request.tresor, request.params.app, 'manage');
      return { events: await services.audit.list(app.id, Number(request.query.limit ?? '100')) };
    },
  );
}
