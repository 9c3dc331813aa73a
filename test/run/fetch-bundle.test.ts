import { Readable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { CliError, EXIT_FAILURE } from '../../src/cli/errors.js';
import { deliveryUrl, fetchBundle } from '../../src/cli/run/fetch-bundle.js';
import { freePort } from '../support/tresor-server.js';
import { randomServiceToken, sendJson, startHttpServer } from './helpers/http-server.js';
import type { RequestHandler, TestServer } from './helpers/http-server.js';

const BUNDLE = { app: 'shop', environment: 'production', module: 'api', revision: 7, secrets: { DB_URL: 'postgres://db/app' } };

async function fetchError(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => {
      throw new Error('Expected fetchBundle to reject.');
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('fetchBundle without a server', () => {
  it('closed port names the URL', async () => {
    const closedUrl = `http://127.0.0.1:${await freePort()}`;
    const token = randomServiceToken();

    const error = await fetchError(fetchBundle({ server: closedUrl, token }));

    expect(error.message).toContain(`Failed to reach the Tresor server at ${closedUrl}/api/v1/delivery (ECONNREFUSED)`);
    expect(error.message).toContain('Check TRESOR_SERVER');
    expect(error.message).not.toContain(token);
  });
});

// Fake servers send what a real Tresor server never does: odd statuses, bodies and timing.
// environment.test.ts and fetch-failures.test.ts fetch real bundles and real 401s through `tresor run`.
describe('fetchBundle from a fake server', () => {
  const servers: TestServer[] = [];
  const token = randomServiceToken();

  async function serve(handler: RequestHandler): Promise<TestServer> {
    const server = await startHttpServer(handler);
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  // The server records the request path, which a real Tresor server does not report.
  it('keeps a path prefix of the server', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, BUNDLE));

    await fetchBundle({ server: `${server.url}/tresor?ignored=1#part`, token });

    expect(server.requestPaths).toEqual(['/tresor/api/v1/delivery']);
  });

  // The real server leaves a secret named __proto__ out of its delivery, so only a fake sends one.
  it('keeps a secret named __proto__', async () => {
    const body = '{"app":"shop","environment":"production","module":"api","revision":1,"secrets":{"__proto__":"value"}}';
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });

    const bundle = await fetchBundle({ server: server.url, token });

    expect(Object.keys(bundle.secrets)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(bundle.secrets, '__proto__')?.value).toBe('value');
  });

  // The real delivery route returns 401 for every token problem, never 403 or 404.
  it('403 includes the server message', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 403, { error: { code: 'FORBIDDEN', message: 'This token is for another environment.' } }),
    );

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('403 FORBIDDEN: This token is for another environment.');
    expect(error.message).toContain('module and environment');
    expect(error.message).not.toContain(token);
  });

  it('404 from Tresor names the path', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 404, { error: { code: 'NOT_FOUND', message: 'No route GET /api/v1/api/v1/delivery.' } }),
    );

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('404 NOT_FOUND: No route GET /api/v1/api/v1/delivery.');
    expect(error.message).toContain('without the trailing /api/v1');
  });

  it('oversized response is cut off', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 'a');
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      Readable.from(Array.from({ length: 40 }, () => megabyte)).pipe(response);
    });

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('over 32 MiB');
  });

  it('https to a plain HTTP server names http://', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, {}));

    const error = await fetchError(fetchBundle({ server: server.url.replace('http:', 'https:'), token }));

    expect(error.message).toContain('EPROTO');
    expect(error.message).toContain('http:// address');
  });

  it('404 from another server names TRESOR_SERVER', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<h1>Not Found</h1>');
    });

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('has no Tresor delivery endpoint (404)');
    expect(error.message).toContain('TRESOR_SERVER');
  });

  it('5xx includes message and request id', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 500, { error: { code: 'INTERNAL', message: 'Unexpected error.', requestId: 'req-42' } }),
    );

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('(500 INTERNAL: Unexpected error.). Request id: req-42.');
    expect(error.message).toContain('Retry later');
  });

  it('5xx takes the request id header', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(503, { 'x-request-id': 'req-header-7', 'content-type': 'text/plain' });
      response.end('Service Unavailable');
    });

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('(503). Request id: req-header-7.');
  });

  it('escapes control characters from the server', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 500, { error: { code: 'INTERNAL', message: 'line one\n\u001b[2Kfake prompt' } }),
    );

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('\u001b');
    expect(error.message).toContain('line one\\u000a\\u001b[2Kfake prompt');
  });

  it('does not follow a redirect', async () => {
    const target = await serve((_request, response) => sendJson(response, 200, BUNDLE));
    const server = await serve((_request, response) => {
      response.writeHead(302, { location: `${target.url}/api/v1/delivery` });
      response.end();
    });

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('redirected');
    expect(error.message).toContain(target.url);
    expect(target.requestPaths).toEqual([]);
  });

  it.each([
    ['not JSON', 'plain text', 'the body is not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['no app', JSON.stringify({ ...BUNDLE, app: undefined }), 'field "app"'],
    ['a string revision', JSON.stringify({ ...BUNDLE, revision: '7' }), 'field "revision"'],
    ['a negative revision', JSON.stringify({ ...BUNDLE, revision: -1 }), 'field "revision"'],
    ['secrets as an array', JSON.stringify({ ...BUNDLE, secrets: [] }), 'field "secrets"'],
  ])('rejects a body that is %s', async (_description, body, problem) => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('wrong shape');
    expect(error.message).toContain(problem);
  });

  it('names a non-string value by key only', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { ...BUNDLE, secrets: { GOOD: 'fine', PORT: 5432, API_KEY: { nested: 'sk_live_planted' } } }),
    );

    const error = await fetchError(fetchBundle({ server: server.url, token }));

    expect(error.message).toContain('secret "PORT"');
    expect(error.message).not.toContain('5432');
    expect(error.message).not.toContain('sk_live_planted');
  });

  it('times out on a silent server', async () => {
    const server = await serve(() => {
      // Never responds; closing the server ends the connection.
    });

    const error = await fetchError(fetchBundle({ server: server.url, token, timeoutMs: 200 }));

    expect(error.message).toContain('Timed out after 0.2 s');
    expect(error.message).toContain(server.url);
  });

  // The server records the path and headers it received, which a real one does not report.
  it('sends the token only in the header', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, BUNDLE));

    const bundle = await fetchBundle({ server: server.url, token });

    expect(bundle).toEqual(BUNDLE);
    expect(server.requestPaths).toEqual(['/api/v1/delivery']);
    expect(server.requestPaths.join('')).not.toContain(token);
    expect(server.authorizations).toEqual([`Bearer ${token}`]);
  });

  it.each([
    ['an empty token', ''],
    ['a short token', 'tsr_svc_abc'],
    ['another prefix', `tsr_usr_${'a'.repeat(43)}`],
    ['a header break', `tsr_svc_${'a'.repeat(42)}\n`],
  ])('rejects %s before sending', async (_description, badToken) => {
    const server = await serve((_request, response) => sendJson(response, 200, BUNDLE));

    const error = await fetchError(fetchBundle({ server: server.url, token: badToken }));

    expect(error.exitCode).toBe(EXIT_FAILURE);
    expect(error.message).toContain('TRESOR_TOKEN');
    expect(server.requestPaths).toEqual([]);
  });

  it.each([
    ['not a URL', 'tresor.example.com', 'not a valid URL'],
    ['another scheme', 'ftp://tresor.example.com', 'http or https'],
    ['credentials', 'https://user:pass@tresor.example.com', 'user name or password'],
  ])('rejects a server that is %s', (_description, server, problem) => {
    expect(() => deliveryUrl(server)).toThrow(problem);
  });

  it('never prints the credentials of a server URL', () => {
    expect(() => deliveryUrl('https://user:hunter2@tresor.example.com')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
