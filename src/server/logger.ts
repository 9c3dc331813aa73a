import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths redacted as a backstop. The main defence is that request and response
 * serializers below copy only an allow-list of fields, and no code logs a body.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'body',
  'password',
  'token',
  'value',
  'values',
  'secrets',
  '*.password',
  '*.token',
  '*.value',
  '*.secrets',
];

interface RequestLike {
  id?: string;
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
  ip?: string;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: RequestLike) => ({
        id: request.id,
        method: request.method,
        // The route pattern, not the raw URL: a query string is no place for a value, but
        // a client may still put one there.
        route: request.routeOptions?.url ?? stripQuery(request.url),
        address: request.ip,
      }),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

function stripQuery(url: string | undefined): string | undefined {
  return url?.split('?')[0];
}
