import net from 'node:net';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { isTestDatabaseAvailable } from '../support/test-database.js';
import { startTresorServer, type TresorServer } from '../support/tresor-server.js';

// Requests that Node.js's HTTP parser rejects never reach a route. They still get the
// JSON error shape of every other error.

describe.skipIf(!isTestDatabaseAvailable())('HTTP parser errors', () => {
  let server: TresorServer;

  beforeAll(async () => {
    server = await startTresorServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Sends raw bytes on a new connection and returns everything the server sends back before it closes. */
  function exchange(request: string): Promise<string> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end(request));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }

  function bodyOf(response: string): { error: { code: string; message: string } } {
    return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
  }

  test('oversized headers get 431', async () => {
    const response = await exchange(`GET /api/v1/delivery HTTP/1.1\r\nHost: tresor\r\nAuthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`);

    expect(response.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(bodyOf(response).error.code).toBe('HEADERS_TOO_LARGE');
    expect(bodyOf(response).error.message).toContain('16 KiB');
    expect(response).not.toContain('xxxx');
  });

  test('malformed request gets 400', async () => {
    const response = await exchange('NOT HTTP AT ALL\r\n\r\n');

    expect(response.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
  });
});
