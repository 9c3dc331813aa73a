import { quoteKey } from './key-checks.js';
import { FormatError, type ExportResult, type SecretEntry } from './types.js';
import { listMismatchedKeys, readYamlMapping } from './yaml-read-back.js';
import { writeDoubleQuoted, writeYamlScalar } from './yaml-scalars.js';

/**
 * Writes the entries as a flat YAML mapping, in the given order. Every value is a
 * double-quoted string, so no reader converts it (`0644`, `yes`, `null` stay text), and a
 * key is quoted when a YAML 1.1 or 1.2 reader would read it as something else. The text
 * is read back with both versions before it is returned.
 */
export function exportYaml(entries: readonly SecretEntry[], subject: string): ExportResult {
  if (entries.length === 0) {
    return { text: '{}\n', warnings: [] };
  }

  const text = entries.map(({ key, value }) => `${writeYamlScalar(key)}: ${writeDoubleQuoted(value)}\n`).join('');
  const pairs = entries.map(({ key, value }) => [key, value] as const);
  const mismatched = new Set([
    ...listMismatchedKeys(readYamlMapping(text, '1.2'), pairs),
    ...listMismatchedKeys(readYamlMapping(text, '1.1'), pairs),
  ]);
  if (mismatched.size > 0) {
    throw new FormatError(
      subject,
      [...mismatched].map((key) => ({
        key,
        message: `The YAML written for ${quoteKey(key)} does not read back to the stored value. Export with --format json instead.`,
      })),
    );
  }
  return { text, warnings: [] };
}
