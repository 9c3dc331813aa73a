/**
 * The error catalogue: every error a client can see has a stable code from this table,
 * an HTTP status and a message written for the person who made the request.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400 },
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  REQUEST_TIMEOUT: { status: 408 },
  ALREADY_EXISTS: { status: 409 },
  CONFLICT: { status: 409 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  RATE_LIMITED: { status: 429 },
  HEADERS_TOO_LARGE: { status: 431 },
  INTERNAL: { status: 500 },
  DATABASE_UNAVAILABLE: { status: 503 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A deliberate error whose code and message may be shown to the client as they are. */
export class TresorError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TresorError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }
}

export function validationError(message: string): TresorError {
  return new TresorError('VALIDATION_FAILED', message);
}

export function notFound(message: string): TresorError {
  return new TresorError('NOT_FOUND', message);
}

export function forbidden(message: string): TresorError {
  return new TresorError('FORBIDDEN', message);
}

export function alreadyExists(message: string): TresorError {
  return new TresorError('ALREADY_EXISTS', message);
}

export function isTresorError(error: unknown): error is TresorError {
  return error instanceof TresorError;
}
