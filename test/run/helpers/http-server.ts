import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on 127.0.0.1 with a free port, closed by `close`. */
export interface TestServer {
  url: string;
  /** Request paths in arrival order, to check what reached the server. */
  requestPaths: string[];
  /** Authorization headers in arrival order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createServiceToken(): string {
  return `tsr_svc_${randomBytes(32).toString('base64url')}`;
}

export async function startHttpServer(handler: RequestHandler): Promise<TestServer> {
  const requestPaths: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const server: Server = createServer((request, response) => {
    requestPaths.push(request.url ?? '');
    authorizations.push(request.headers.authorization);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requestPaths,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export interface DeliveryServer extends TestServer {
  token: string;
}

/**
 * Starts a server that implements `GET /api/v1/delivery` for one service token: the
 * bundle for a matching bearer token, a 401 error body for any other.
 */
export async function startDeliveryServer(secrets: Record<string, string>, revision = 7): Promise<DeliveryServer> {
  const token = createServiceToken();
  const server = await startHttpServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/api/v1/delivery') {
      sendJson(response, 404, { error: { code: 'NOT_FOUND', message: 'No route matches this request.' } });
      return;
    }
    if (request.headers.authorization !== `Bearer ${token}`) {
      sendJson(response, 401, { error: { code: 'UNAUTHENTICATED', message: 'The service token is invalid or revoked.' } });
      return;
    }
    sendJson(response, 200, { app: 'shop', environment: 'production', module: 'api', revision, secrets });
  });
  return { ...server, token };
}
