import { findBase64Values, type Base64Value } from './base64-values.js';
import { detectSecrets } from './detect-secrets.js';
import { redactSecret, type Finding } from './detection.js';
import { createLineLocator } from './line-locator.js';
import type { SecretlintSource } from './secretlint-detector.js';

/** A finding before it is tied to a file. */
export type LineFinding = Omit<Finding, 'file'>;

export const DECODED_KIND_SUFFIX = ' (found after base64-decoding)';

// Decoded values are joined into one text for a single secretlint run per file. A blank
// line between them keeps a match from running from one value into the next.
const DECODED_SEPARATOR = '\n\n';

/**
 * Finds the secrets of one file's text, sorted by line then kind, one finding per
 * (line, kind). Base64 values that decode to text are scanned once more in decoded form,
 * and what is found there is reported on the line of the encoded value.
 */
export async function findSecretsInText(text: string, source: SecretlintSource): Promise<LineFinding[]> {
  const lineOf = createLineLocator(text);
  const findings = new Map<string, LineFinding>();
  const add = (finding: LineFinding): void => {
    const key = `${finding.line}\n${finding.kind}`;
    if (!findings.has(key)) {
      findings.set(key, finding);
    }
  };

  for (const detection of await detectSecrets(text, source)) {
    add({ line: lineOf(detection.index), kind: detection.kind, excerpt: redactSecret(detection.secret) });
  }

  const values = findBase64Values(text);
  if (values.length > 0) {
    const decoded = joinDecodedValues(values);
    // The decoded text is not searched for base64 again: one level of decoding only.
    for (const detection of await detectSecrets(decoded.text, { filePath: source.filePath, ext: '' })) {
      const value = decoded.valueAt(detection.index);
      add({ line: lineOf(value.index), kind: `${detection.kind}${DECODED_KIND_SUFFIX}`, excerpt: redactSecret(value.encoded) });
    }
  }

  return [...findings.values()].sort((a, b) => a.line - b.line || a.kind.localeCompare(b.kind));
}

function joinDecodedValues(values: readonly Base64Value[]): { text: string; valueAt(index: number): Base64Value } {
  const starts: number[] = [];
  let text = '';
  for (const value of values) {
    if (text !== '') {
      text += DECODED_SEPARATOR;
    }
    starts.push(text.length);
    text += value.decoded;
  }

  const valueAt = (index: number): Base64Value => {
    let position = starts.length - 1;
    while (position > 0 && starts[position]! > index) {
      position -= 1;
    }
    return values[position]!;
  };
  return { text, valueAt };
}
