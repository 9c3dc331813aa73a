import { CliError, UsageError } from './errors.js';
import { displayText } from './output.js';
import { systemErrorCode } from './system-error-code.js';

/** Limit for one API request, from connecting to reading the body, in milliseconds. */
const REQUEST_TIMEOUT_MS = 30_000;

const API_PREFIX = 'api/v1/';

const MAX_SERVER_MESSAGE_LENGTH = 1000;

/** An error response of the Tresor API, with its HTTP status and catalogue code. */
export class ApiError extends CliError {
  readonly status: number;
  readonly code: string | undefined;

  constructor(message: string, status: number, code: string | undefined) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type QueryValue = string | number | undefined;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
}

/**
 * Parses a server address given by `source` (a flag, a variable or a file) and returns it
 * with a trailing slash, so that API paths resolve under any path prefix it has.
 */
export function parseServerUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`Invalid server address in ${source}: use an http or https URL such as https://tresor.example.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Invalid server address in ${source}: the scheme is ${url.protocol}; use http or https.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`Invalid server address in ${source}: remove the user name and password from the URL, because the access token is the only credential.`);
  }

  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) {
    url.pathname = `${url.pathname}/`;
  }
  return url;
}

/**
 * Encodes the segments of an API path. A segment of only dots would be resolved away by
 * URL parsing, so the request would reach another route; it is rejected instead.
 */
export function apiPath(...segments: string[]): string {
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new CliError(`Invalid name ${JSON.stringify(segment)}: a name must contain a letter or digit.`);
    }
  }
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

/**
 * Escapes control characters in text from the server, which is printed on a terminal, and
 * shortens it to fit one message.
 */
export function sanitizeServerMessage(text: string): string {
  const shortened = text.length > MAX_SERVER_MESSAGE_LENGTH ? `${text.slice(0, MAX_SERVER_MESSAGE_LENGTH)}...` : text;
  return displayText(shortened);
}

/**
 * A JSON client of the Tresor API for the CLI. The access token goes only in the
 * Authorization header and appears in no message; values travel only in JSON bodies.
 */
export class ApiClient {
  readonly server: URL;
  private readonly token: string | null;

  constructor(server: URL, token: string | null) {
    this.server = server;
    this.token = token;
  }

  /** Sends a request to `path` under /api/v1 and returns the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(API_PREFIX + path, this.server);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(name, String(value));
      }
    }

    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== null) {
      headers['authorization'] = `Bearer ${this.token}`;
    }
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        // A redirect could carry the token to another host, so it is reported instead of followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error);
    }

    if (response.status >= 200 && response.status < 300) {
      return this.parseSuccess<T>(response.status, text);
    }
    throw this.failure(response, text);
  }

  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.request<T>('GET', path, query === undefined ? {} : { query });
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private get origin(): string {
    return this.server.href.replace(/\/$/, '');
  }

  private parseSuccess<T>(status: number, text: string): T {
    if (status === 204 || text === '') {
      return undefined as T;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`The server at ${this.origin} returned a response that is not JSON. Check that --server or TRESOR_SERVER points to a Tresor server.`);
    }
  }

  private failure(response: Response, text: string): CliError {
    const status = response.status;
    if (status >= 300 && status < 400) {
      return new CliError(`The server at ${this.origin} redirected the request (${status}). Use the address the Tresor server itself listens on.`);
    }

    const detail = readErrorBody(text);
    if (detail === null) {
      return new ApiError(
        `The server at ${this.origin} returned status ${status} without a Tresor error body. Check that --server or TRESOR_SERVER points to a Tresor server.`,
        status,
        undefined,
      );
    }
    const requestId = detail.requestId === undefined || detail.message.includes(detail.requestId) ? '' : ` (request id ${detail.requestId})`;
    return new ApiError(`${detail.message}${requestId}`, status, detail.code);
  }

  private unreachable(error: unknown): CliError {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return new CliError(`Timed out after ${REQUEST_TIMEOUT_MS / 1000} s waiting for the Tresor server at ${this.origin}. Check that the server is running and reachable from here.`);
    }
    const code = systemErrorCode((error as { cause?: unknown } | null)?.cause) ?? systemErrorCode(error) ?? 'network error';
    return new CliError(
      `Failed to reach the Tresor server at ${this.origin} (${code}). Check that the server is running and that --server, TRESOR_SERVER or the saved credentials point to it.`,
    );
  }
}

interface ErrorDetail {
  code: string | undefined;
  message: string;
  requestId: string | undefined;
}

function readErrorBody(text: string): ErrorDetail | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) {
    return null;
  }
  const { code, message, requestId } = error as Record<string, unknown>;
  if (typeof message !== 'string') {
    return null;
  }
  return {
    code: typeof code === 'string' ? code : undefined,
    message: sanitizeServerMessage(message),
    requestId: typeof requestId === 'string' ? sanitizeServerMessage(requestId) : undefined,
  };
}
