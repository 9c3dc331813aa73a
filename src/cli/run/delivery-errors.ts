import { CliError } from '../errors.js';
import { systemErrorCode } from '../system-error-code.js';
import { MAX_RESPONSE_BYTES, type HttpGetResponse } from './http-get.js';
import { quoteName, sanitizeServerText } from './terminal-text.js';

const CHECK_SERVER = 'Check TRESOR_SERVER and that the server is running and reachable from here.';

/** The parts of a Tresor error body `{"error":{"code","message"}}` that a message may show. */
interface ServerErrorDetail {
  code?: string;
  message?: string;
  requestId?: string;
}

function readErrorDetail(body: string, headers: HttpGetResponse['headers']): ServerErrorDetail {
  const detail: ServerErrorDetail = {};
  const headerRequestId = headers.get('x-request-id');
  if (headerRequestId !== null) {
    detail.requestId = sanitizeServerText(headerRequestId);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return detail;
  }
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) {
    return detail;
  }

  const { code, message, requestId } = error as Record<string, unknown>;
  if (typeof code === 'string') {
    detail.code = sanitizeServerText(code);
  }
  if (typeof message === 'string') {
    detail.message = sanitizeServerText(message);
  }
  if (typeof requestId === 'string') {
    detail.requestId = sanitizeServerText(requestId);
  }
  return detail;
}

function formatStatus(status: number, detail: ServerErrorDetail): string {
  return detail.code === undefined ? `${status}` : `${status} ${detail.code}`;
}

function formatSummary(status: number, detail: ServerErrorDetail): string {
  const statusText = formatStatus(status, detail);
  return detail.message === undefined ? statusText : `${statusText}: ${detail.message}`;
}

function formatRequestId(detail: ServerErrorDetail): string {
  return detail.requestId === undefined ? '' : ` Request id: ${detail.requestId}.`;
}

/**
 * Builds the error for a delivery request that got a response other than 200.
 * Each message names the status, repeats the server's own message and request id when
 * the response has them, and ends with what to do next.
 */
export function failedDeliveryError(url: string, response: Pick<HttpGetResponse, 'status' | 'headers'>, body: string): CliError {
  const status = response.status;
  const detail = readErrorDetail(body, response.headers);
  const summary = formatSummary(status, detail);
  const requestId = formatRequestId(detail);

  if (status >= 300 && status < 400) {
    // httpGet does not follow redirects, so the token never travels to the new address.
    const location = response.headers.get('location');
    const target = location === null ? 'another address' : quoteName(location);
    return new CliError(
      `The server at ${url} redirected the delivery request to ${target} (${status}). ` +
        'Set TRESOR_SERVER to the address the Tresor server itself listens on.',
    );
  }
  if (status === 401) {
    // The server's own message gives the same advice, so only its code is shown.
    return new CliError(
      `The Tresor server at ${url} rejected the service token in TRESOR_TOKEN (${formatStatus(status, detail)}): ` +
        `the token is invalid or revoked.${requestId} ` +
        'Create a new one with `tresor tokens create` and set TRESOR_TOKEN to it.',
    );
  }
  if (status === 403) {
    return new CliError(
      `The Tresor server at ${url} does not allow the service token in TRESOR_TOKEN to fetch these secrets (${summary}).${requestId} ` +
        'Check that the token belongs to the module and environment you are starting.',
    );
  }
  if (status === 404 && detail.code === undefined) {
    return new CliError(
      `The server at ${url} has no Tresor delivery endpoint (404). ` +
        'Check that TRESOR_SERVER is the address of a Tresor server, including any path prefix.',
    );
  }
  if (status === 404) {
    // A Tresor server rejects an unknown token with 401, so a 404 from Tresor means the path is wrong.
    return new CliError(
      `The Tresor server at ${url} has no such route (${summary}).${requestId} ` +
        'Set TRESOR_SERVER to the address the server listens on, without the trailing /api/v1.',
    );
  }
  if (status >= 500) {
    return new CliError(
      `The Tresor server at ${url} failed to deliver secrets (${summary}).${requestId} ` +
        (requestId === ''
          ? 'Retry later, and tell the server operator if the error persists.'
          : 'Retry later, and give the request id to the server operator if the error persists.'),
    );
  }
  return new CliError(`The Tresor server at ${url} rejected the delivery request (${summary}).${requestId}`);
}

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/**
 * Builds the error for a delivery request that got no complete response. It names the
 * system error code, never the error's message, because only the code is known to be
 * free of request data.
 */
export function unreachableServerError(url: string, error: unknown, timeoutMs: number): CliError {
  if (isTimeout(error)) {
    return new CliError(
      `Timed out after ${timeoutMs / 1000} s waiting for the Tresor server at ${url}. ${CHECK_SERVER}`,
    );
  }

  const code = systemErrorCode((error as { cause?: unknown } | null)?.cause) ?? systemErrorCode(error) ?? 'network error';
  if (code === 'ERR_RESPONSE_TOO_LARGE') {
    return new CliError(
      `The server at ${url} sent a response over ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB, more than any delivery. ` +
        'Check that TRESOR_SERVER is the address of a Tresor server.',
    );
  }
  if (code === 'EPROTO' && url.startsWith('https:')) {
    return new CliError(
      `Failed to start TLS with the server at ${url} (EPROTO). If the server speaks plain HTTP, set TRESOR_SERVER to its http:// address.`,
    );
  }
  const certificateHint =
    code.includes('CERT') || code.includes('SELF_SIGNED')
      ? ' If the server uses a private certificate authority, set NODE_EXTRA_CA_CERTS to its certificate file.'
      : '';
  return new CliError(`Failed to reach the Tresor server at ${url} (${code}). ${CHECK_SERVER}${certificateHint}`);
}
