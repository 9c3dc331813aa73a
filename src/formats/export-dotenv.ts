import dotenv from 'dotenv';

import { isBlankOrCommentToLineEnd } from './dotenv-scanner.js';
import { quoteKey } from './key-checks.js';
import { FormatError, type ExportResult, type FormatProblem, type ImportWarning, type SecretEntry } from './types.js';

type Quote = "'" | '`' | '"';

const USE_JSON_INSTEAD = 'Export with --format json (or yaml) instead.';

/**
 * Writes a .env file that `dotenv.parse` (dotenv 16) reads back to exactly the same
 * strings, one `KEY=<quoted value>` per entry, in the given order.
 *
 * dotenv has no escapes except `\n` and `\r` inside double quotes. So a value goes in
 * single quotes, verbatim, unless it contains `'` or CR. Else it goes in backticks,
 * verbatim, unless it contains a backtick or CR. Else it goes in double quotes with CR
 * written as `\r`, unless it contains `"` or the two-character text `\n` or `\r`, which
 * dotenv would turn into a line break. A value none of these can carry is rejected naming
 * its key, or left out with a warning when `skipUnrepresentable` is set. The result is
 * checked with `dotenv.parse` before it is returned.
 */
export function exportDotenv(
  entries: readonly SecretEntry[],
  skipUnrepresentable: boolean,
  subject: string,
): ExportResult {
  const problems: FormatProblem[] = [];
  const warnings: ImportWarning[] = [];
  const written: SecretEntry[] = [];

  // Written from the last entry back, because whether a value ending in a backslash can
  // be closed safely depends on the lines that follow it.
  const linesFromEnd: string[] = [];
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const { key, value } = entries[index]!;
    const quote = chooseQuote(key, value, linesFromEnd);
    if (typeof quote === 'string') {
      linesFromEnd.push(`${key}=${quote}${encodeValue(value, quote)}${quote}\n`);
      written.push({ key, value });
    } else if (skipUnrepresentable) {
      warnings.unshift({ key, message: `${quoteKey(key)} was left out: ${quote.reason}.` });
    } else {
      problems.unshift({ key, message: `The value of ${quoteKey(key)} can't be written so that dotenv reads it back exactly: ${quote.reason}. ${USE_JSON_INSTEAD}` });
    }
  }
  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }

  const text = linesFromEnd.reverse().join('');
  checkReadBack(text, written, subject);
  return { text, warnings };
}

function chooseQuote(key: string, value: string, linesFromEnd: readonly string[]): Quote | { reason: string } {
  if (key === '__proto__') {
    return { reason: 'dotenv drops a key named "__proto__"' };
  }

  const candidates = allowedQuotes(value);
  if (candidates.length === 0) {
    return { reason: describeWhyNoQuoteFits(value) };
  }
  if (!value.endsWith('\\')) {
    return candidates[0]!;
  }

  const safe = candidates.find((quote) => closesBeforeNextLines(quote, linesFromEnd));
  return safe ?? { reason: 'it ends with a backslash, so dotenv would read past its closing quote into the next line' };
}

function allowedQuotes(value: string): Quote[] {
  const hasCarriageReturn = value.includes('\r');
  const quotes: Quote[] = [];
  if (!hasCarriageReturn && !value.includes("'")) {
    quotes.push("'");
  }
  if (!hasCarriageReturn && !value.includes('`')) {
    quotes.push('`');
  }
  if (!value.includes('"') && !value.includes('\\n') && !value.includes('\\r')) {
    quotes.push('"');
  }
  return quotes;
}

function describeWhyNoQuoteFits(value: string): string {
  const doubleQuoteBlocker = value.includes('"')
    ? 'a double quote'
    : 'the two-character text \\n or \\r, which dotenv turns into a line break inside double quotes';
  if (value.includes('\r')) {
    return `it contains a carriage return, which dotenv keeps only as \\r inside double quotes, and ${doubleQuoteBlocker}`;
  }
  return `it contains a single quote, a backtick and ${doubleQuoteBlocker}`;
}

function encodeValue(value: string, quote: Quote): string {
  return quote === '"' ? value.replaceAll('\r', '\\r') : value;
}

/**
 * Tells whether dotenv ends a value at its closing quote when a backslash comes right
 * before that quote. dotenv then also tries the same quote character further on, up to
 * the first one without a backslash before it. It takes the last of those followed only
 * by blanks or a comment, so `A='x\'` followed by `B='#'` would read as one value.
 */
function closesBeforeNextLines(quote: Quote, linesFromEnd: readonly string[]): boolean {
  for (let index = linesFromEnd.length - 1; index >= 0; index -= 1) {
    const line = linesFromEnd[index]!;
    let searchFrom = 0;
    for (;;) {
      const candidate = line.indexOf(quote, searchFrom);
      if (candidate === -1) {
        break;
      }
      if (isBlankOrCommentToLineEnd(line, candidate + 1)) {
        return false;
      }
      if (line[candidate - 1] !== '\\') {
        return true;
      }
      searchFrom = candidate + 1;
    }
  }
  return true;
}

function checkReadBack(text: string, written: readonly SecretEntry[], subject: string): void {
  const parsed = dotenv.parse(text);
  const problems: FormatProblem[] = written
    .filter(({ key, value }) => !Object.hasOwn(parsed, key) || parsed[key] !== value)
    .map(({ key }) => ({
      key,
      message: `dotenv reads the value of ${quoteKey(key)} back differently from the stored value. ${USE_JSON_INSTEAD}`,
    }));
  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }
}
