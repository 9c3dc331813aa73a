import type { Detection } from './detection.js';

// Every PEM private key label contains "PRIVATE KEY". PKCS#8 has no word before it, and
// "RSA", "EC", "OPENSSH", "ENCRYPTED" or "PGP" (with " BLOCK" after it) name the others.
const BEGIN_MARKER = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;

// An 8192-bit RSA key is about 6.4 KB of PEM (an estimate from its DER size). An OpenPGP
// block with subkeys can be larger.
const MAX_BODY_CHARACTERS = 64 * 1024;

// The shortest real key body, an Ed25519 key in PKCS#8, is 64 base64 characters. A body
// under 40 is taken for a placeholder, such as a shortened example in documentation.
const MIN_BASE64_CHARACTERS = 40;

// A PEM copied into a JSON or YAML string has `\n` (backslash, n) in place of line breaks.
const ESCAPED_LINE_BREAK = /\\[rn]/g;

// RFC 1421 (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`) and OpenPGP (`Version: ...`) headers.
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*:\s/;

const BASE64_WORD = /^[A-Za-z0-9+/]+=*$/;

/**
 * Finds PEM private keys: on separate lines, flattened onto one line with spaces, or
 * inside a quoted string with escaped line breaks. A match needs the END marker of the
 * same label and a body of base64 words, so a bare marker in code is not a finding.
 */
export function detectPrivateKeys(text: string): Detection[] {
  const detections: Detection[] = [];
  const findEndMarker = createEndMarkerFinder(text);

  for (const begin of text.matchAll(BEGIN_MARKER)) {
    const endMarker = `-----END ${begin[1] ?? ''}PRIVATE KEY${begin[2] ?? ''}-----`;
    const bodyStart = begin.index + begin[0].length;
    const endIndex = findEndMarker(endMarker, bodyStart);
    if (endIndex === -1 || endIndex - bodyStart > MAX_BODY_CHARACTERS) {
      continue;
    }

    const base64 = keyBodyBase64(text.slice(bodyStart, endIndex));
    if (base64 !== null && base64.length >= MIN_BASE64_CHARACTERS) {
      detections.push({ kind: 'private key', index: begin.index, secret: base64 });
    }
  }
  return detections;
}

/**
 * Returns a search for the first END marker at or after an offset, which caches its last
 * result per marker. BEGIN markers come in order, so a file of many BEGIN markers without
 * an END costs one pass per label instead of one pass per marker.
 */
function createEndMarkerFinder(text: string): (marker: string, from: number) => number {
  const lastFound = new Map<string, number>();
  return (marker, from) => {
    const known = lastFound.get(marker);
    if (known !== undefined && (known === -1 || known >= from)) {
      return known;
    }
    const found = text.indexOf(marker, from);
    lastFound.set(marker, found);
    return found;
  };
}

/** Returns the base64 characters of a key body, or null when the body contains anything else. */
function keyBodyBase64(body: string): string | null {
  const lines = body.replace(ESCAPED_LINE_BREAK, '\n').split(/\r?\n/);
  let base64 = '';

  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || HEADER_LINE.test(trimmed)) {
      continue;
    }
    for (const word of trimmed.split(/\s+/)) {
      if (!BASE64_WORD.test(word)) {
        return null;
      }
      base64 += word;
    }
  }
  return base64;
}
