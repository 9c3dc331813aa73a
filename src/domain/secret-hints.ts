/**
 * Heuristics for "this looks like a secret", used to warn when a secret is about to be
 * stored as plain configuration. They produce warnings, never rejections, because a
 * false positive must not block a deployment.
 */

const SECRET_KEY_WORDS = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|AUTH)/i;

const SECRET_VALUE_SHAPES: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[A-Z2-7]{16}\b/ },
  { name: 'a Tresor token', pattern: /\btsr_(svc|pat)_[A-Za-z0-9_-]{20,}/ },
  { name: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'a Stripe secret key', pattern: /\b[rs]k_(live|test)_[A-Za-z0-9]{16,}/ },
  { name: 'a URL with a password', pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^/@\s]+@/i },
  { name: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
];

/** Explains why a configuration entry looks like a secret, or returns null. */
export function describeSecretLikeEntry(key: string, value: string): string | null {
  for (const shape of SECRET_VALUE_SHAPES) {
    if (shape.pattern.test(value)) {
      return `the value of ${key} looks like ${shape.name}`;
    }
  }
  if (SECRET_KEY_WORDS.test(key) && value.length > 0) {
    return `the name ${key} suggests a secret`;
  }
  return null;
}
