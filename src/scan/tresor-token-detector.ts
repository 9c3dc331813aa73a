import type { Detection } from './detection.js';

// The prefixes of service tokens and personal access tokens (src/crypto/tokens.ts), then
// 32 random bytes in base64url without padding, which is 43 characters.
const TRESOR_TOKEN = /(?<![A-Za-z0-9])tsr_(?:svc|pat)_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

/** Finds Tresor service tokens and personal access tokens. */
export function detectTresorTokens(text: string): Detection[] {
  return Array.from(text.matchAll(TRESOR_TOKEN), (match) => ({ kind: 'Tresor token', index: match.index, secret: match[0] }));
}
