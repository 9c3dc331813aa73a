import { validationError } from '../domain/errors.js';

export const ROOT_KEY_BYTES = 32;

const GENERATE_HINT = 'Generate one with: openssl rand -base64 32';

/** Encodes a root key the way a key file stores it: standard base64 and one newline. */
export function formatRootKey(key: Buffer): string {
  return `${key.toString('base64')}\n`;
}

/**
 * Decodes the text of `TRESOR_ROOT_KEY` or of a key file. Only one spelling is accepted:
 * standard base64 of exactly 32 bytes with its padding, optionally followed by one "\n".
 * `source` names the variable or file in the error, which never contains the text itself.
 */
export function parseRootKey(text: string, source: string): Buffer {
  const encoded = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (encoded.length === 0) {
    throw rejection(source, 'it is empty');
  }

  // Buffer.from skips whitespace and accepts base64url letters and missing padding, so
  // anything it does not encode back to the same text was not canonical base64.
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) {
    key.fill(0);
    throw rejection(
      source,
      'it is not canonical standard base64 (allowed: A-Z, a-z, 0-9, "+", "/", "=" padding at the end, and one trailing newline)',
    );
  }

  if (key.length !== ROOT_KEY_BYTES) {
    const length = key.length;
    key.fill(0);
    throw rejection(source, `it decodes to ${length} bytes`);
  }

  return key;
}

function rejection(source: string, reason: string): Error {
  return validationError(
    `${source} must be the base64 encoding of exactly ${ROOT_KEY_BYTES} bytes, but ${reason}. ${GENERATE_HINT}`,
  );
}
