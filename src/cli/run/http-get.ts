import http from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';

/** The parts of an HTTP response that the delivery request reads. */
export interface HttpGetResponse {
  status: number;
  headers: { get(name: string): string | null };
  /** The body decoded as UTF-8, without a leading byte order mark, as fetch's `text()` does. */
  body: string;
}

/**
 * The largest response body read. A delivery has to fit into a process's environment,
 * which Linux limits to a quarter of the stack limit (2 MB by default), so a much larger
 * body comes from something other than Tresor.
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Sends one GET request with node:http or node:https and reads the whole response. It
 * takes the place of the global `fetch` in `tresor run`, because the first `fetch` loads
 * undici, which took about 70 ms of a 170 ms `tresor run -- true` (Node.js 20).
 *
 * Like fetch with `redirect: 'manual'`, it returns a redirect as it is. When `timeoutMs`
 * passes before the body has arrived, it rejects with a DOMException named TimeoutError,
 * as `AbortSignal.timeout` makes fetch do. Network errors keep their `code` (ECONNREFUSED).
 * A body over MAX_RESPONSE_BYTES rejects with the code ERR_RESPONSE_TOO_LARGE.
 */
export async function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpGetResponse> {
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  // A new connection that closes after the response, so no idle socket keeps the process waiting.
  const options: RequestOptions = { headers, agent: false };

  return new Promise((resolve, reject) => {
    const request = transport.get(url, options, (response) => {
      readBody(response).then((body) => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: headerReader(response), body });
      }, fail);
    });
    const timer = setTimeout(() => {
      const timeout = new DOMException(`The request timed out after ${timeoutMs} ms.`, 'TimeoutError');
      request.destroy(timeout);
      reject(timeout);
    }, timeoutMs);
    function fail(error: unknown): void {
      clearTimeout(timer);
      reject(error);
    }
    request.on('error', fail);
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_RESPONSE_BYTES) {
        const tooLarge = Object.assign(new Error(`The response body is over ${MAX_RESPONSE_BYTES} bytes.`), { code: 'ERR_RESPONSE_TOO_LARGE' });
        response.destroy(tooLarge);
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(new TextDecoder().decode(Buffer.concat(chunks))));
    // A connection closed before the end of the body is an 'error' with code ECONNRESET.
    response.on('error', reject);
  });
}

function headerReader(response: IncomingMessage): HttpGetResponse['headers'] {
  return {
    get(name: string): string | null {
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        return null;
      }
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
