import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

import type { Services } from '../services/index.js';
import { answerClientError } from './client-error.js';
import { installErrorHandler } from './error-handler.js';
import { installStrictJsonParser } from './json-body-parser.js';
import { deferredRequestLogger } from './request-logger.js';
import { registerAppsRoutes } from './routes/apps-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerConfigRoutes } from './routes/config-routes.js';
import { registerDeliveryRoute } from './routes/delivery-route.js';
import { registerSecretsRoutes } from './routes/secrets-routes.js';
import { registerTokensRoutes } from './routes/tokens-routes.js';

export const API_PREFIX = '/api/v1';

export interface BuildServerOptions {
  services: Services;
  logger: Logger;
  version: string;
}

/** Builds the HTTP server without listening, so tests can inject requests or listen on port 0. */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    // Secret keys of up to 256 characters travel as path parameters (find-my-way's default is 100).
    routerOptions: { maxParamLength: 1024 },
    requestIdHeader: false,
    clientErrorHandler: answerClientError,
    childLoggerFactory: deferredRequestLogger,
    // No type coercion: a secret sent as the number 42 is an error, not the string "42".
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
  });

  installErrorHandler(app);
  installStrictJsonParser(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Tresor API', version: options.version, description: 'Secrets of apps built from modules, per environment.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  await app.register(
    async (api) => {
      registerAuthRoutes(api, options.services);
      registerAppsRoutes(api, options.services);
      registerConfigRoutes(api, options.services);
      registerSecretsRoutes(api, options.services);
      registerTokensRoutes(api, options.services);
      registerDeliveryRoute(api, options.services);
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      api.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    },
    { prefix: API_PREFIX },
  );

  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(`Tresor ${options.version}. The API is under ${API_PREFIX}; sign in with \`tresor login\`.\n`),
  );

  return app;
}
