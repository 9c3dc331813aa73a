import { validationError } from './errors.js';

/** POSIX environment variable names: what a module's process can read back with getenv. */
export const SECRET_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names of apps, environments and modules: lower-case, URL- and DNS-label-safe. */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const MAX_SECRET_KEY_LENGTH = 256;
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
export const MAX_CONFIG_VALUE_BYTES = 16 * 1024;
export const MAX_SECRETS_PER_WRITE = 1000;

export type ResourceKind = 'app' | 'environment' | 'module';

/** Explains why a key is not a valid environment variable name, or returns null. */
export function describeInvalidKey(key: string): string | null {
  if (key.length === 0) {
    return 'a key must not be empty';
  }
  if (key.length > MAX_SECRET_KEY_LENGTH) {
    return `a key must be at most ${MAX_SECRET_KEY_LENGTH} characters`;
  }
  if (key.includes('=')) {
    return 'a key must not contain "=", because the environment splits NAME=VALUE at the first "="';
  }
  if (!SECRET_KEY_PATTERN.test(key)) {
    return 'a key must be a valid environment variable name: a letter or "_", then letters, digits or "_"';
  }
  return null;
}

export function assertValidKey(key: string, field = 'key'): void {
  const problem = describeInvalidKey(key);
  if (problem !== null) {
    throw validationError(`Invalid ${field} ${JSON.stringify(key)}: ${problem}.`);
  }
}

export function assertValidValue(key: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw validationError(
      `The value of ${key} is ${bytes} bytes; a secret value may be at most ${MAX_SECRET_VALUE_BYTES} bytes (64 KiB). Store large files elsewhere and keep a reference here.`,
    );
  }
  if (!value.isWellFormed()) {
    throw validationError(
      `The value of ${key} contains a lone UTF-16 surrogate, which is not valid Unicode and would be stored changed. Send valid UTF-8 text.`,
    );
  }
  if (value.includes('\0')) {
    throw validationError(
      `The value of ${key} contains a NUL byte, which an environment variable cannot carry. Encode the value (base64, say) before storing it.`,
    );
  }
}

export function assertValidName(kind: ResourceKind, name: string): void {
  if (!RESOURCE_NAME_PATTERN.test(name)) {
    throw validationError(
      `Invalid ${kind} name ${JSON.stringify(name)}: use 1 to 63 lower-case letters, digits and "-", starting and ending with a letter or digit.`,
    );
  }
}
