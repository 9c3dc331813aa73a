import type { FastifyInstance } from 'fastify';

import { MAX_SECRETS_PER_WRITE } from '../../domain/names.js';
import type { Services } from '../../services/index.js';
import type { ScopeNames } from '../../services/secrets-service.js';
import { requireUser } from '../auth.js';
import { ERROR_RESPONSES, KEY_SCHEMA, SCOPE_KEY_PARAMS, SCOPE_PARAMS, SECRET_METADATA, WRITE_RESULT } from '../schemas.js';

/** Large enough for the biggest batch write: many secrets of up to 64 KiB each. */
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;

const REVEALED = {
  type: 'object',
  properties: { ...SECRET_METADATA.properties, value: { type: 'string' } },
  required: ['key', 'version', 'updatedAt', 'value'],
} as const;

interface ScopeParams {
  app: string;
  environment: string;
  module: string;
}

interface KeyParams extends ScopeParams {
  key: string;
}

function scopeOf(params: ScopeParams): ScopeNames {
  return { app: params.app, environment: params.environment, module: params.module };
}

const BASE = '/apps/:app/environments/:environment/modules/:module/secrets';

/** Secrets of one module in one environment. Values travel only in bodies, never in URLs. */
export function registerSecretsRoutes(app: FastifyInstance, services: Services): void {
  const preHandler = requireUser(services.users);

  app.get<{ Params: ScopeParams }>(
    BASE,
    {
      preHandler,
      schema: {
        summary: 'List the keys of a module\'s secrets (no values)',
        tags: ['secrets'],
        params: SCOPE_PARAMS,
        response: { 200: { type: 'object', properties: { revision: { type: 'integer' }, secrets: { type: 'array', items: SECRET_METADATA } }, required: ['revision', 'secrets'] }, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.secrets.listSecrets(request.tresor, scopeOf(request.params)),
  );

  app.post<{ Params: ScopeParams; Body: { keys?: string[] } }>(
    `${BASE}/reveal`,
    {
      preHandler,
      schema: {
        summary: 'Decrypt the values of some or all secrets (audited)',
        tags: ['secrets'],
        params: SCOPE_PARAMS,
        body: { type: 'object', properties: { keys: { type: 'array', items: KEY_SCHEMA, maxItems: MAX_SECRETS_PER_WRITE } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { revision: { type: 'integer' }, secrets: { type: 'array', items: REVEALED } }, required: ['revision', 'secrets'] }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return services.secrets.revealSecrets(request.tresor, scopeOf(request.params), request.body.keys ?? null);
    },
  );

  app.post<{ Params: ScopeParams; Body: { secrets: Array<{ key: string; value: string; ifVersion?: number }> } }>(
    BASE,
    {
      preHandler,
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        summary: 'Write several secrets at once: all of them or none',
        tags: ['secrets'],
        params: SCOPE_PARAMS,
        body: {
          type: 'object',
          properties: {
            secrets: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_SECRETS_PER_WRITE,
              items: {
                type: 'object',
                properties: { key: { type: 'string', maxLength: 1024 }, value: { type: 'string' }, ifVersion: { type: 'integer', minimum: 0, maximum: 2147483647 } },
                required: ['key', 'value'],
                additionalProperties: false,
              },
            },
          },
          required: ['secrets'],
          additionalProperties: false,
        },
        response: { 200: WRITE_RESULT, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.secrets.setSecrets(request.tresor, scopeOf(request.params), request.body.secrets, 'secret.import'),
  );

  app.put<{ Params: KeyParams; Body: { value: string; ifVersion?: number } }>(
    `${BASE}/:key`,
    {
      preHandler,
      schema: {
        summary: 'Set one secret; with ifVersion, only if it is still at that version',
        tags: ['secrets'],
        params: SCOPE_KEY_PARAMS,
        body: {
          type: 'object',
          properties: { value: { type: 'string' }, ifVersion: { type: 'integer', minimum: 0, maximum: 2147483647 } },
          required: ['value'],
          additionalProperties: false,
        },
        response: { 200: WRITE_RESULT, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { key } = request.params;
      const write = request.body.ifVersion === undefined ? { key, value: request.body.value } : { key, value: request.body.value, ifVersion: request.body.ifVersion };
      return services.secrets.setSecrets(request.tresor, scopeOf(request.params), [write]);
    },
  );

  app.delete<{ Params: KeyParams }>(
    `${BASE}/:key`,
    {
      preHandler,
      schema: {
        summary: 'Delete a secret (writes a tombstone version; history stays)',
        tags: ['secrets'],
        params: SCOPE_KEY_PARAMS,
        response: { 200: { type: 'object', properties: { revision: { type: 'integer' }, version: { type: 'integer' } }, required: ['revision', 'version'] }, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.secrets.deleteSecret(request.tresor, scopeOf(request.params), request.params.key),
  );

  app.get<{ Params: KeyParams }>(
    `${BASE}/:key/versions`,
    {
      preHandler,
      schema: {
        summary: 'The versions of a secret, newest first (no values)',
        tags: ['secrets'],
        params: SCOPE_KEY_PARAMS,
        response: {
          200: {
            type: 'object',
            properties: {
              versions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { version: { type: 'integer' }, createdAt: { type: 'string' }, createdBy: { type: ['string', 'null'] }, deleted: { type: 'boolean' } },
                  required: ['version', 'createdAt', 'deleted'],
                },
              },
            },
            required: ['versions'],
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => ({ versions: await services.secrets.history(request.tresor, scopeOf(request.params), request.params.key) }),
  );

  app.post<{ Params: KeyParams; Body: { version: number } }>(
    `${BASE}/:key/rollback`,
    {
      preHandler,
      schema: {
        summary: 'Make an earlier version current again, as a new version',
        tags: ['secrets'],
        params: SCOPE_KEY_PARAMS,
        body: { type: 'object', properties: { version: { type: 'integer', minimum: 1 } }, required: ['version'], additionalProperties: false },
        response: { 200: WRITE_RESULT, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.secrets.rollback(request.tresor, scopeOf(request.params), request.params.key, request.body.version),
  );
}
