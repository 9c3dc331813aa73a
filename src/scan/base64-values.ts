/** A base64 value in a text whose bytes decode to readable text. */
export interface Base64Value {
  /** Offset of the encoded value in the scanned text. */
  index: number;
  encoded: string;
  decoded: string;
}

// Runs of the standard or the URL-safe alphabet, with optional padding. Shorter values
// decode to at most 23 bytes, too short to hold a key.
const MIN_ENCODED_CHARACTERS = 32;
const BASE64_RUN = new RegExp(`[A-Za-z0-9+/_-]{${MIN_ENCODED_CHARACTERS},}={0,2}`, 'g');

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

// Readable text has no control characters other than tab, line feed and carriage return.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Finds base64 values of at least 32 characters that decode to readable UTF-8 text.
 * Values that decode to binary, such as images, hashes and random keys, are left out.
 * NOTE: each run of base64 characters is decoded on its own, so a value wrapped over
 * several lines is not found.
 */
export function findBase64Values(text: string): Base64Value[] {
  const values: Base64Value[] = [];
  for (const match of text.matchAll(BASE64_RUN)) {
    const decoded = decodeBase64Text(match[0]);
    if (decoded !== null) {
      values.push({ index: match.index, encoded: match[0], decoded });
    }
  }
  return values;
}

/** Decodes canonical base64 or base64url into text, or returns null for anything else. */
export function decodeBase64Text(encoded: string): string | null {
  const unpadded = encoded.replace(/=+$/, '');
  const padded = unpadded.length !== encoded.length;
  if ((padded && encoded.length % 4 !== 0) || unpadded.length % 4 === 1) {
    return null;
  }

  const urlSafe = /[-_]/.test(unpadded);
  if (urlSafe && /[+/]/.test(unpadded)) {
    return null;
  }

  // Buffer.from skips characters it can't decode and ignores stray bits, so only a value
  // that encodes back to itself is base64.
  const encoding = urlSafe ? 'base64url' : 'base64';
  const bytes = Buffer.from(unpadded, encoding);
  if (bytes.toString(encoding).replace(/=+$/, '') !== unpadded) {
    return null;
  }

  let decoded: string;
  try {
    decoded = STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
  return CONTROL_CHARACTER.test(decoded) ? null : decoded;
}
