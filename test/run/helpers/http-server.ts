// Plain HTTP servers for what a real Tresor server cannot show: malformed bodies, statuses
// other than 200 and 401, redirects, silence, secret keys that are not environment variable
// names, and the exact requests that arrived.
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

/** Returns a well-formed service token that no server has issued. */
export function randomServiceToken(): string {
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
