import type { FastifyRequest } from 'fastify';

import { tokenKind } from '../crypto/tokens.js';
import { TresorError } from '../domain/errors.js';
import type { RequestContext } from '../services/context.js';
import type { UsersService } from '../services/users-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    tresor: RequestContext;
  }
}

/** Returns the token of an `Authorization: Bearer ...` header, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) {
    return null;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Creates a preHandler that admits only a signed-in person (a personal access token). */
export function requireUser(users: UsersService) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (token === null) {
      throw new TresorError('UNAUTHENTICATED', 'Sign in first: run `tresor login`, or send Authorization: Bearer <personal access token>.');
    }
    if (tokenKind(token) === 'service') {
      throw new TresorError('UNAUTHENTICATED', 'A service token only fetches its module\'s secrets (GET /api/v1/delivery). Sign in as a person with `tresor login` for this.');
    }
    const actor = await users.authenticate(token);
    if (actor === null) {
      throw new TresorError('UNAUTHENTICATED', 'The access token is invalid, expired or revoked. Sign in again with `tresor login`.');
    }
    request.tresor = { actor, address: request.ip };
  };
}
