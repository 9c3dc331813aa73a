import { CliError } from '../errors.js';
import { quoteName } from './terminal-text.js';

/** A module's secrets at one revision, as `GET /api/v1/delivery` returns them. */
export interface DeliveryBundle {
  app: string;
  environment: string;
  module: string;
  revision: number;
  /** Secret values by key, in a null-prototype object so that any key is an ordinary entry. */
  secrets: Record<string, string>;
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wrongShape(url: string, problem: string): CliError {
  return new CliError(
    `The server at ${url} returned a delivery response of the wrong shape: ${problem}. ` +
      'Check that TRESOR_SERVER points to a Tresor server whose version matches this CLI.',
  );
}

function readStringField(body: JsonObject, field: string, url: string): string {
  const value = body[field];
  if (typeof value !== 'string') {
    throw wrongShape(url, `field "${field}" is missing or not a string`);
  }
  return value;
}

/**
 * Parses the body of a successful delivery response and checks every field.
 * The error names the first field that does not fit, and never contains a secret value.
 */
export function parseDeliveryBundle(body: string, url: string): DeliveryBundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw wrongShape(url, 'the body is not JSON');
  }
  if (!isJsonObject(parsed)) {
    throw wrongShape(url, 'the body is not a JSON object');
  }

  const { revision, secrets } = parsed;
  const app = readStringField(parsed, 'app', url);
  const environment = readStringField(parsed, 'environment', url);
  const module = readStringField(parsed, 'module', url);
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw wrongShape(url, 'field "revision" is missing or not a non-negative integer');
  }
  if (!isJsonObject(secrets)) {
    throw wrongShape(url, 'field "secrets" is missing or not an object');
  }

  // JSON.parse keeps a key named "__proto__" as an own property, and copying into a
  // null-prototype object keeps it one, where a plain object would swallow it.
  const values: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(secrets)) {
    if (typeof value !== 'string') {
      throw wrongShape(url, `the value of secret ${quoteName(key)} is not a string`);
    }
    values[key] = value;
  }

  return { app, environment, module, revision, secrets: values };
}
