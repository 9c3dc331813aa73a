import type { FastifyInstance } from 'fastify';

import type { Services } from '../../services/index.js';
import { requireUser } from '../auth.js';
import { ERROR_RESPONSES, KEY_SCHEMA, MODULE_PARAMS, NAME_SCHEMA } from '../schemas.js';

const ENTRY = {
  type: 'object',
  properties: { key: { type: 'string' }, value: { type: 'string' }, updatedAt: { type: 'string' } },
  required: ['key', 'value', 'updatedAt'],
} as const;

const KEY_PARAMS = {
  type: 'object',
  properties: { app: NAME_SCHEMA, module: NAME_SCHEMA, key: KEY_SCHEMA },
  required: ['app', 'module', 'key'],
} as const;

interface ModuleParams {
  app: string;
  module: string;
}

interface KeyParams extends ModuleParams {
  key: string;
}

/** Registers the routes of a module's plain configuration, which is shown in clear text and so never meant for secrets. */
export function registerConfigRoutes(app: FastifyInstance, services: Services): void {
  const preHandler = requireUser(services.users);
  const base = '/apps/:app/modules/:module/config';

  app.get<{ Params: ModuleParams }>(
    base,
    { preHandler, schema: { summary: 'List a module\'s configuration', tags: ['configuration'], params: MODULE_PARAMS, response: { 200: { type: 'object', properties: { config: { type: 'array', items: ENTRY } }, required: ['config'] }, ...ERROR_RESPONSES } } },
    async (request) => ({ config: await services.modules.listConfig(request.tresor, request.params.app, request.params.module) }),
  );

  app.get<{ Params: KeyParams }>(
    `${base}/:key`,
    { preHandler, schema: { summary: 'Read one configuration entry', tags: ['configuration'], params: KEY_PARAMS, response: { 200: ENTRY, ...ERROR_RESPONSES } } },
    async (request) => services.modules.getConfig(request.tresor, request.params.app, request.params.module, request.params.key),
  );

  app.put<{ Params: KeyParams; Body: { value: string } }>(
    `${base}/:key`,
    {
      preHandler,
      schema: {
        summary: 'Set one configuration entry; warns when it looks like a secret',
        tags: ['configuration'],
        params: KEY_PARAMS,
        body: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { entry: ENTRY, warnings: { type: 'array', items: { type: 'string' } } }, required: ['entry', 'warnings'] }, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.modules.setConfig(request.tresor, request.params.app, request.params.module, request.params.key, request.body.value),
  );

  app.delete<{ Params: KeyParams }>(
    `${base}/:key`,
    { preHandler, schema: { summary: 'Delete one configuration entry', tags: ['configuration'], params: KEY_PARAMS, response: { 204: { type: 'null' }, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      await services.modules.deleteConfig(request.tresor, request.params.app, request.params.module, request.params.key);
      return reply.status(204).send();
    },
  );
}
