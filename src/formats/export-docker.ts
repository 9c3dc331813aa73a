import { quoteKey } from './key-checks.js';
import { FormatError, type ExportResult, type FormatProblem, type ImportWarning, type SecretEntry } from './types.js';

const UNREPRESENTABLE = /[\r\n\0]/;
const OUTER_QUOTES = ['"', "'"];

/**
 * Writes an env-file for `docker run --env-file`: one `KEY=value` line per entry, the
 * value verbatim, because docker reads everything after the first "=" literally and has
 * no quoting or escapes. An empty value keeps its "=", since a bare `KEY` line copies KEY
 * from the host's environment. A value with a line break (or a NUL) can't be written and
 * is rejected naming its key, or left out with a warning when `skipUnrepresentable` is set.
 */
export function exportDocker(
  entries: readonly SecretEntry[],
  skipUnrepresentable: boolean,
  subject: string,
): ExportResult {
  const problems: FormatProblem[] = [];
  const warnings: ImportWarning[] = [];
  const lines: string[] = [];

  for (const { key, value } of entries) {
    if (UNREPRESENTABLE.test(value)) {
      const character = /[\r\n]/.test(value) ? 'a line break' : 'a NUL character';
      const reason = `contains ${character}, and a Docker env-file holds one variable per line without quoting or escapes`;
      if (skipUnrepresentable) {
        warnings.push({ key, message: `${quoteKey(key)} was left out: its value ${reason}.` });
      } else {
        problems.push({
          key,
          message: `The value of ${quoteKey(key)} ${reason}. Export it in another format, or leave such values out with --skip-unrepresentable.`,
        });
      }
      continue;
    }

    if (hasMatchingOuterQuotes(value)) {
      warnings.push({
        key,
        message: `The value of ${quoteKey(key)} starts and ends with the same quote and was written as is. Some Docker versions strip such outer quotes from env-file values.`,
      });
    }
    lines.push(`${key}=${value}\n`);
  }

  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }
  return { text: lines.join(''), warnings };
}

function hasMatchingOuterQuotes(value: string): boolean {
  return value.length >= 2 && OUTER_QUOTES.includes(value[0]!) && value.endsWith(value[0]!);
}
