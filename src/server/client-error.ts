import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import type { FastifyInstance } from 'fastify';

import type { ErrorCode } from '../domain/errors.js';

interface ClientError {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * Responds to a request that Node.js's HTTP parser rejected before Fastify saw it, in the
 * `{"error":{"code","message"}}` shape of every other error, and closes the connection.
 */
export function answerClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // Only the code, because the error's rawPacket contains the request's bytes, which may include a secret.
  this.log.debug({ code: error.code }, 'Rejected a request that the HTTP parser could not read');

  // A client that has gone away, or a socket already written to, gets nothing more.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }

  const { status, code, message } = describeClientError(error.code);
  const body = JSON.stringify({ error: { code, message } });
  const response =
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body;
  // end() alone leaves the socket half-open, because the HTTP server allows half-open sockets.
  socket.end(response, () => socket.destroy());
}

function describeClientError(parserCode: string | undefined): ClientError {
  if (parserCode === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      code: 'HEADERS_TOO_LARGE',
      message: `The request headers are larger than the ${maxHeaderSize / 1024} KiB this server accepts. Send fewer or shorter headers.`,
    };
  }
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time. Send it again.' };
  }
  return { status: 400, code: 'VALIDATION_FAILED', message: 'The request is not valid HTTP/1.1. Check the client that sent it.' };
}
