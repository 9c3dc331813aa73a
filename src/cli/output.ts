/**
 * Output helpers. Data goes on stdout (a table, a value, or one JSON document with --json),
 * everything else (receipts, warnings, prompts) on stderr.
 */

/** The text `secrets list` shows in place of a value: the same for every value, so it leaks no length. */
export const MASKED_VALUE = '********';

// Control, bidirectional and line separator characters in a table cell would break the
// layout or rewrite what the terminal shows, so they are printed as escapes.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The `--json` flag of commands whose output is data. */
export interface JsonOption {
  json?: boolean;
}

export function isTerminal(stream: NodeJS.WritableStream | NodeJS.ReadableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Writes one JSON document and a newline. */
export function writeJson(stdout: NodeJS.WritableStream, value: unknown): void {
  stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a line to stderr, where receipts, warnings and hints go. */
export function writeNote(stderr: NodeJS.WritableStream, message: string): void {
  stderr.write(`${message}\n`);
}

export function writeWarning(stderr: NodeJS.WritableStream, message: string): void {
  stderr.write(`Warning: ${message}\n`);
}

/** Escapes the characters of a cell that would break a table line or the terminal. */
export function displayText(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (character) => ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Formats rows as columns padded with spaces, headers first, one line per row. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null | undefined>>): string {
  const cells = [headers.map(String), ...rows.map((row) => headers.map((_header, index) => displayText(row[index] ?? '-')))];
  const widths = headers.map((_header, index) => Math.max(...cells.map((row) => row[index]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Writes `rows` as a table on stdout, or `empty` on stderr when there are none. */
export function writeTable(
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | null | undefined>>,
  empty: string,
): void {
  if (rows.length === 0) {
    writeNote(streams.stderr, empty);
    return;
  }
  streams.stdout.write(formatTable(headers, rows));
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Writes a value exactly as stored, so `$(tresor secrets get ...)` and pipes get its bytes.
 * A newline is added only on a terminal, where the prompt would otherwise follow the value.
 */
export function writeValue(stdout: NodeJS.WritableStream, value: string): void {
  stdout.write(value);
  if (isTerminal(stdout)) {
    stdout.write('\n');
  }
}
