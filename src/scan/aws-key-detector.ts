import type { Detection } from './detection.js';

// AKIA starts a long-term access key id and ASIA a temporary one. 16 base32 characters follow.
const ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;

// A secret access key is 40 characters of the base64 alphabet. Alone it looks like any
// other base64, so only an assignment to a name such as AWS_SECRET_ACCESS_KEY,
// aws_secret_access_key or SecretAccessKey counts, quoted or not, with `=`, `:` or `=>`.
const SECRET_ACCESS_KEY = /secret[_.-]?access[_.-]?key["']?[ \t]*(?:=>|=|:)[ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

/** Finds AWS access key ids anywhere, and secret access keys assigned to their usual names. */
export function detectAwsKeys(text: string): Detection[] {
  const detections: Detection[] = [];

  for (const match of text.matchAll(ACCESS_KEY_ID)) {
    detections.push({ kind: 'AWS access key id', index: match.index, secret: match[0] });
  }

  for (const match of text.matchAll(SECRET_ACCESS_KEY)) {
    const secret = match[1] ?? '';
    // The value ends the match, so its offset follows from the lengths.
    detections.push({ kind: 'AWS secret access key', index: match.index + match[0].length - secret.length, secret });
  }
  return detections;
}
