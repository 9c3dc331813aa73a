import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { isTresorError, type ErrorCode } from '../domain/errors.js';
import { isDatabaseUnavailableError } from '../store/database.js';

const UNAVAILABLE_LOG_INTERVAL_MS = 1000;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string };
}

/**
 * Turns every error into `{ error: { code, message } }`. Only deliberate errors (the
 * catalogue, and Fastify's own request errors, reworded) reach the client as they are.
 * Anything else is logged with the request id, and the client gets only that id.
 */
export function installErrorHandler(app: FastifyInstance): void {
  // An outage fails every request at once, so 503s are logged at most once a second,
  // each line with the number of 503s left out since the previous one.
  let lastUnavailableLogAt = 0;
  let unloggedUnavailable = 0;

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isTresorError(error)) {
      if (error.status >= 500) {
        request.log.error({ err: error }, 'Request failed');
      }
      return reply.status(error.status).send(body(error.code, error.message));
    }

    if (error.validation !== undefined) {
      const problems = error.validation.map((issue) => describeValidationIssue(error.validationContext, issue));
      return reply.status(400).send(body('VALIDATION_FAILED', `Invalid request: ${problems.join('; ')}.`));
    }

    const clientError = describeFastifyClientError(error);
    if (clientError !== null) {
      return reply.status(clientError.status).send(body(clientError.code, clientError.message));
    }

    if (isDatabaseUnavailableError(error)) {
      const now = Date.now();
      if (now - lastUnavailableLogAt >= UNAVAILABLE_LOG_INTERVAL_MS) {
        request.log.warn({ err: error, unloggedSincePrevious: unloggedUnavailable }, 'Database unavailable');
        lastUnavailableLogAt = now;
        unloggedUnavailable = 0;
      } else {
        unloggedUnavailable += 1;
      }
      return reply
        .status(503)
        .header('retry-after', '2')
        .send(body('DATABASE_UNAVAILABLE', `The database is unavailable. A write that failed this way was applied completely or not at all; retry shortly (request id ${request.id}).`, request.id));
    }

    request.log.error({ err: error }, 'Unexpected error');
    return reply.status(500).send(body('INTERNAL', `Internal error (request id ${request.id}). The server log has the details.`, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}. See /api/v1/openapi.json for the API.`));
  });
}

function body(code: ErrorCode, message: string, requestId?: string): ErrorBody {
  return { error: requestId === undefined ? { code, message } : { code, message, requestId } };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function describeValidationIssue(context: string | undefined, issue: ValidationIssue): string {
  const location = `${context ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`;
  if (typeof issue.params['missingProperty'] === 'string') {
    return `${location}.${issue.params['missingProperty']} is required`;
  }
  if (typeof issue.params['additionalProperty'] === 'string') {
    return `${location}.${issue.params['additionalProperty']} is not a known field`;
  }
  return `${location} ${issue.message ?? 'is invalid'}`;
}

/** Fastify's own errors about the request itself, reworded so no parser text (which may quote the body) leaks. */
function describeFastifyClientError(error: FastifyError): { status: number; code: ErrorCode; message: string } | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large. Split the write into smaller ones.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'Unsupported content type: send JSON with Content-Type: application/json.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'The request body is empty; send a JSON object.' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'The request body is not valid JSON.' };
    default:
      break;
  }
  if (error instanceof SyntaxError || (typeof error.statusCode === 'number' && error.statusCode === 400)) {
    return { status: 400, code: 'VALIDATION_FAILED', message: 'The request is malformed; send a JSON object that matches the API schema.' };
  }
  if (typeof error.statusCode === 'number' && error.statusCode === 415) {
    return { status: 400, code: 'VALIDATION_FAILED', message: 'Unsupported content type: send JSON with Content-Type: application/json.' };
  }
  return null;
}
