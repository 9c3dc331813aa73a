import dotenv from 'dotenv';

import { decodeImportText } from './decode-text.js';
import { scanDotenv, type ScannedEntry } from './dotenv-scanner.js';
import { findDuplicateKeys, quoteKey } from './key-checks.js';
import { FormatError, type FormatProblem, type ImportResult, type ImportWarning } from './types.js';

const SUBJECT = "Can't import the .env file";

/**
 * Reads a .env file with `dotenv.parse`, the parser the apps use, and rejects or warns
 * about everything dotenv would silently drop or change: duplicate keys, invalid names,
 * `#` in unquoted values, a byte order mark, CRLF line ends, invalid UTF-8. Values are
 * never expanded (`$HOME` stays as written). Throws a FormatError listing every problem
 * found, and returns nothing partial.
 */
export function parseDotenv(input: string | Buffer): ImportResult {
  const decoded = decodeImportText(input, SUBJECT);
  const warnings: ImportWarning[] = [...decoded.warnings];
  let text = decoded.text;
  if (text.includes('\r')) {
    warnings.push({
      message: 'The file has CRLF (or CR) line ends. They were read as LF, also inside quoted values.',
    });
    text = text.replace(/\r\n?/g, '\n');
  }

  const scan = scanDotenv(text);
  warnings.push(...scan.warnings);
  const problems = [...scan.problems, ...findDuplicateKeys(scan.entries)];
  if (problems.length > 0) {
    throw new FormatError(SUBJECT, problems);
  }

  const parsed = dotenv.parse(text);
  const disagreements = compareWithDotenv(scan.entries, parsed);
  if (disagreements.length > 0) {
    throw new FormatError(SUBJECT, disagreements);
  }

  const entries = scan.entries.map(({ key, line }) => ({ key, value: parsed[key], line }));
  return { entries, warnings };
}

/**
 * Lists where dotenv's result differs from the scanner's reading of the lines. dotenv's
 * pattern lets a value or a key continue on the next line (after `KEY=`, `KEY:` or
 * `export`), and it drops a key named `__proto__`.
 */
function compareWithDotenv(entries: readonly ScannedEntry[], parsed: Record<string, string>): FormatProblem[] {
  const problems: FormatProblem[] = [];
  const scannedKeys = new Set<string>();
  for (const { key, line, value } of entries) {
    scannedKeys.add(key);
    if (key === '__proto__') {
      problems.push({ key, line, message: `Line ${line}: dotenv can't read a key named "__proto__". Rename it.` });
    } else if (!Object.hasOwn(parsed, key) || parsed[key] !== value) {
      problems.push({
        key,
        line,
        message:
          `Line ${line}: dotenv reads the value of ${quoteKey(key)} differently from how the line is written ` +
          '(dotenv can continue a value on the next line). Write the value on the KEY= line, in quotes.',
      });
    }
  }

  for (const key of Object.keys(parsed)) {
    if (!scannedKeys.has(key)) {
      // A long key here is likely a fragment of a value, so it is not shown.
      const named = key.length <= 40 ? `a key ${quoteKey(key)}` : 'a key';
      problems.push({
        message:
          `dotenv reads ${named} that is not on a KEY=value line of its own ` +
          '(a line break after "KEY=" or "export" can cause this). Write each key as KEY=value on one line.',
      });
    }
  }
  return problems;
}
