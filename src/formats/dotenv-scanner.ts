import { describeInvalidKey } from '../domain/names.js';
import { checkKey, quoteKey } from './key-checks.js';
import type { FormatProblem, ImportWarning } from './types.js';

/** One `KEY=value` read by the scanner, with the value dotenv 16 gives for it. */
export interface ScannedEntry {
  key: string;
  line: number;
  value: string;
}

export interface DotenvScan {
  entries: ScannedEntry[];
  problems: FormatProblem[];
  warnings: ImportWarning[];
}

type Quote = "'" | '"' | '`';

const QUOTES: ReadonlySet<string> = new Set(["'", '"', '`']);
const EXPORT_PREFIX = /^export\s+(\S.*)$/;
const COLON_ASSIGNMENT = /^\s*(?:export\s+)?[\w.-]+:(?:\s|$)/;
const BLANK_OR_COMMENT = /^\s*(?:#.*)?$/;

// A key candidate that fails the name rule is quoted in a message only when it looks like
// a name. Anything else may be a fragment of a value from a line that lost its quotes.
const SHOWABLE_KEY_CANDIDATE = /^[\w.\- ]{1,40}$/;

/**
 * Reads a .env text line by line, following dotenv 16's syntax: `#` comments, the `export `
 * prefix, and values in single, double or backtick quotes that may span lines. The text
 * must already have LF line ends and no byte order mark.
 *
 * The values computed here follow dotenv's rules, so the caller can check them against
 * `dotenv.parse` and catch the inputs that dotenv reads differently from their lines.
 * Scanning stops at a quote that is never closed, because the lines after it can't be
 * distinguished from the value.
 */
export function scanDotenv(text: string): DotenvScan {
  const scan: DotenvScan = { entries: [], problems: [], warnings: [] };
  let position = 0;
  let lineNumber = 1;

  while (position <= text.length) {
    const lineEnd = endOfLine(text, position);
    const line = text.slice(position, lineEnd);
    let nextPosition = lineEnd + 1;

    const trimmed = line.trim();
    const equals = line.indexOf('=');
    if (trimmed === '' || trimmed.startsWith('#')) {
      // Blank lines and comments define no key.
    } else if (usesColonForm(line, equals)) {
      // dotenv reads "KEY: value" as KEY=value, and "KEY:" can take its value from the
      // next line, so such a line is rejected instead of being skipped.
      scan.problems.push({
        line: lineNumber,
        message: `Line ${lineNumber} uses the "KEY: value" form. Write it as KEY=value.`,
      });
    } else if (equals === -1) {
      scan.warnings.push({
        line: lineNumber,
        message: `Line ${lineNumber} is not a KEY=value line, so it was skipped (dotenv skips it too).`,
      });
    } else {
      const key = readKey(line.slice(0, equals));
      const keyIsValid = describeInvalidKey(key) === null;
      const context: LineContext = {
        lineNumber,
        shownKey: keyIsValid || SHOWABLE_KEY_CANDIDATE.test(key) ? key : undefined,
      };
      if (!keyIsValid) {
        scan.problems.push(describeInvalidKeyCandidate(context));
      }

      const read = readValue(text, position + equals + 1, context);
      if (read.problem !== undefined) {
        scan.problems.push(read.problem);
        return scan;
      }
      scan.warnings.push(...read.warnings);
      if (keyIsValid) {
        scan.entries.push({ key, line: lineNumber, value: read.value });
      }
      nextPosition = read.end + 1;
    }

    lineNumber += countLineBreaks(text, position, nextPosition);
    position = nextPosition;
  }
  return scan;
}

/**
 * Finds the quote that closes a quoted value the way dotenv 16 does. Every quote up to the
 * first one without a backslash before it may close the value. dotenv takes the last of
 * those that is followed only by blanks or a comment on its line. Returns -1 if none is.
 */
export function findClosingQuote(text: string, openingIndex: number, quote: string): number {
  let closing = -1;
  let searchFrom = openingIndex + 1;
  for (;;) {
    const candidate = text.indexOf(quote, searchFrom);
    if (candidate === -1) {
      return closing;
    }
    if (isBlankOrCommentToLineEnd(text, candidate + 1)) {
      closing = candidate;
    }

    const escaped = candidate - 1 > openingIndex && text[candidate - 1] === '\\';
    if (!escaped) {
      return closing;
    }
    searchFrom = candidate + 1;
  }
}

/** Tells whether the rest of the line from `start` contains only blanks and a `#` comment. */
export function isBlankOrCommentToLineEnd(text: string, start: number): boolean {
  return BLANK_OR_COMMENT.test(text.slice(start, endOfLine(text, start)));
}

function endOfLine(text: string, start: number): number {
  const newline = text.indexOf('\n', start);
  return newline === -1 ? text.length : newline;
}

function countLineBreaks(text: string, start: number, end: number): number {
  let count = 0;
  for (let index = text.indexOf('\n', start); index !== -1 && index < end; index = text.indexOf('\n', index + 1)) {
    count += 1;
  }
  return count;
}

function usesColonForm(line: string, equals: number): boolean {
  return COLON_ASSIGNMENT.test(line) && (equals === -1 || line.indexOf(':') < equals);
}

function readKey(textBeforeEquals: string): string {
  const candidate = textBeforeEquals.trim();
  const prefixed = EXPORT_PREFIX.exec(candidate);
  return prefixed === null ? candidate : prefixed[1].trim();
}

/** The line a value is on, and its key when the key may be shown in a message. */
interface LineContext {
  lineNumber: number;
  shownKey: string | undefined;
}

function describeInvalidKeyCandidate(context: LineContext): FormatProblem {
  const { lineNumber, shownKey } = context;
  const problem = shownKey === undefined ? null : checkKey(shownKey, lineNumber);
  return problem ?? {
    line: lineNumber,
    message:
      `Line ${lineNumber}: the text before the first "=" is not a valid key (not shown, because it may be part of a value). ` +
      'If the line continues a value from an earlier line, put that value in quotes.',
  };
}

interface ReadValue {
  value: string;
  /** Index of the line break (or text end) after the last line the value took. */
  end: number;
  warnings: ImportWarning[];
  problem?: FormatProblem;
}

function readValue(text: string, start: number, context: LineContext): ReadValue {
  const lineEnd = endOfLine(text, start);
  const rest = text.slice(start, lineEnd);
  const valueStart = start + (rest.length - rest.trimStart().length);
  const first = text[valueStart] ?? '';
  if (!QUOTES.has(first)) {
    return readUnquotedValue(rest, lineEnd, context);
  }

  const quote = first as Quote;
  const closing = findClosingQuote(text, valueStart, quote);
  if (closing === -1) {
    return readUnclosedValue(rest, lineEnd, quote, context);
  }

  const raw = text.slice(valueStart + 1, closing);
  const warnings: ImportWarning[] = [];
  if (raw.includes(`\\${quote}`)) {
    warnings.push({
      line: context.lineNumber,
      key: context.shownKey,
      message:
        `${describeValue(context)} contains \\${quote}, which dotenv keeps as two characters ` +
        'because it has no escape for quotes. Check the value.',
    });
  }
  return { value: expandEscapes(raw, quote), end: endOfLine(text, closing), warnings };
}

function readUnquotedValue(rest: string, lineEnd: number, context: LineContext): ReadValue {
  const hash = rest.indexOf('#');
  const value = (hash === -1 ? rest : rest.slice(0, hash)).trim();
  const warnings = hash === -1 ? [] : [commentCutWarning(context)];
  return { value, end: lineEnd, warnings };
}

/**
 * dotenv reads a value whose opening quote has no closing quote as unquoted text, and
 * then drops a first and last character that are the same quote (`'it's'` gives `it's`).
 * Anything else keeps a stray quote, which is rejected.
 */
function readUnclosedValue(rest: string, lineEnd: number, quote: Quote, context: LineContext): ReadValue {
  const unquoted = readUnquotedValue(rest, lineEnd, context);
  const text = unquoted.value;
  if (text.length >= 2 && text.endsWith(quote)) {
    unquoted.value = expandEscapes(text.slice(1, -1), quote);
    unquoted.warnings.push({
      line: context.lineNumber,
      key: context.shownKey,
      message:
        `${describeValue(context)} contains its own quote character (${quote}), ` +
        'so dotenv read it from the first to the last quote on the line. Check the value.',
    });
    return unquoted;
  }

  unquoted.problem = {
    line: context.lineNumber,
    key: context.shownKey,
    message:
      `${describeValue(context)} opens a ${quote} quote that is never closed. Close it: the closing quote ` +
      'may be on a later line, followed only by blanks or a comment. The lines after it were not checked.',
  };
  return unquoted;
}

/** Applies dotenv's only escapes: in double quotes, `\n` becomes LF and then `\r` becomes CR. */
function expandEscapes(raw: string, quote: Quote): string {
  if (quote !== '"') {
    return raw;
  }
  return raw.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
}

function commentCutWarning(context: LineContext): ImportWarning {
  return {
    line: context.lineNumber,
    key: context.shownKey,
    message:
      `${describeValue(context, 'unquoted ')} was cut at "#", because dotenv reads the rest ` +
      'of the line as a comment. Quote the value if the "#" is part of it.',
  };
}

/** Starts a message about a value: its line, and its key when that may be shown. */
function describeValue(context: LineContext, kind = ''): string {
  const owner = context.shownKey === undefined ? '' : ` of ${quoteKey(context.shownKey)}`;
  return `Line ${context.lineNumber}: the ${kind}value${owner}`;
}
