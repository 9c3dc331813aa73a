import { createHash, randomBytes } from 'node:crypto';

/** A service token is one module's credential in one environment. A personal token is a user's. */
export type TokenKind = 'service' | 'personal';

// The common "tsr_" prefix lets secret scanners recognise a leaked Tresor token.
const PREFIXES: Record<TokenKind, string> = {
  service: 'tsr_svc_',
  personal: 'tsr_pat_',
};

const TOKEN_SECRET_BYTES = 32;
const HINT_SECRET_CHARACTERS = 4;

/** Generates a new token: its kind's prefix and 32 random bytes in base64url without padding. */
export function generateToken(kind: TokenKind): string {
  return PREFIXES[kind] + randomBytes(TOKEN_SECRET_BYTES).toString('base64url');
}

/**
 * Hashes a token for storage as SHA-256 hex. A token carries 256 random bits, so unlike a
 * password it can't be guessed, and a fast hash is safe. A slow hash such as argon2 would
 * only delay every authenticated request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Returns the kind of a well-formed token, or null for anything else. */
export function tokenKind(token: string): TokenKind | null {
  for (const [kind, prefix] of Object.entries(PREFIXES) as [TokenKind, string][]) {
    if (token.startsWith(prefix) && isTokenSecret(token.slice(prefix.length))) {
      return kind;
    }
  }
  return null;
}

/**
 * Shortens a token to its prefix and first 4 secret characters, such as `tsr_svc_AbCd…`,
 * which is safe to show in lists. Anything that is not a well-formed token gives a fixed
 * placeholder, because its characters could be some other secret.
 */
export function tokenHint(token: string): string {
  const kind = tokenKind(token);
  if (kind === null) {
    return '(not a Tresor token)';
  }

  const prefix = PREFIXES[kind];
  return `${prefix}${token.slice(prefix.length, prefix.length + HINT_SECRET_CHARACTERS)}…`;
}

// Buffer.from skips characters outside the alphabet, so the round trip rejects them.
function isTokenSecret(encoded: string): boolean {
  const decoded = Buffer.from(encoded, 'base64url');
  return decoded.length === TOKEN_SECRET_BYTES && decoded.toString('base64url') === encoded;
}
