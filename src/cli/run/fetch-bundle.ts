import { CliError } from '../errors.js';
import { parseDeliveryBundle } from './delivery-bundle.js';
import type { DeliveryBundle } from './delivery-bundle.js';
import { failedDeliveryError, unreachableServerError } from './delivery-errors.js';
import { httpGet, type HttpGetResponse } from './http-get.js';

export const DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;

// "tsr_svc_" followed by 32 random bytes in base64url without padding.
const SERVICE_TOKEN_PATTERN = /^tsr_svc_[A-Za-z0-9_-]{43}$/;

export interface FetchBundleOptions {
  /** Base address of the Tresor server, such as `https://tresor.example.com`. */
  server: string;
  /** The module's service token, sent only in the Authorization header. */
  token: string;
  /** Limit for the whole request, from connecting to reading the body, in milliseconds. */
  timeoutMs?: number;
}

/**
 * Resolves the delivery endpoint under the server's address, keeping any path prefix.
 * A bad address is an environment error (exit 1), because it comes from TRESOR_SERVER.
 */
export function deliveryUrl(server: string): URL {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new CliError(
      'TRESOR_SERVER is not a valid URL. Set it to the Tresor server address, such as https://tresor.example.com.',
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new CliError(`TRESOR_SERVER must be an http or https URL, not ${base.protocol}. Set it to the Tresor server address.`);
  }
  if (base.username !== '' || base.password !== '') {
    throw new CliError(
      'TRESOR_SERVER must not contain a user name or password, because the service token is the only credential. Remove them from the URL.',
    );
  }

  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) {
    base.pathname = `${base.pathname}/`;
  }
  return new URL('api/v1/delivery', base);
}

/**
 * Fetches the module's current secrets with its service token in one request.
 * Throws a CliError that names what failed and the fix, and no message contains the token.
 */
export async function fetchBundle(options: FetchBundleOptions): Promise<DeliveryBundle> {
  const url = deliveryUrl(options.server).href;

  // A malformed token would otherwise reach the Authorization header, where Node.js rejects
  // some characters with an error message that may quote the header.
  if (!SERVICE_TOKEN_PATTERN.test(options.token)) {
    throw new CliError(
      'TRESOR_TOKEN does not contain a service token: expected "tsr_svc_" followed by 43 base64url characters. ' +
        'Create one with `tresor tokens create` and set TRESOR_TOKEN to it.',
    );
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  let response: HttpGetResponse;
  try {
    response = await httpGet(new URL(url), { authorization: `Bearer ${options.token}`, accept: 'application/json' }, timeoutMs);
  } catch (error) {
    throw unreachableServerError(url, error, timeoutMs);
  }

  if (response.status !== 200) {
    throw failedDeliveryError(url, response, response.body);
  }
  return parseDeliveryBundle(response.body, url);
}
