import { describeInvalidKey, MAX_SECRET_VALUE_BYTES } from '../domain/names.js';
import type { CliContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { decodeUtf8, promptHidden, readAllStdin, stripFinalNewline } from './input.js';
import { isTerminal } from './output.js';

/** One key and its value, as written on the command line or read from stdin. */
export interface Assignment {
  key: string;
  value: string;
}

/**
 * Throws a CliError naming every key that is not a valid environment variable name.
 * The check runs before any value is read, so no secret is typed for a key the server rejects.
 */
export function assertValidKeys(keys: readonly string[], what = 'key'): void {
  const problems: string[] = [];
  for (const key of keys) {
    const problem = describeInvalidKey(key);
    if (problem !== null) {
      problems.push(`${JSON.stringify(key)}: ${problem}`);
    }
  }
  if (problems.length === 1) {
    throw new CliError(`Invalid ${what} ${problems[0]}.`);
  }
  if (problems.length > 1) {
    throw new CliError(`Invalid ${what}s: ${problems.join('; ')}.`);
  }
}

/**
 * Splits KEY=VALUE arguments at their first "=". Errors name the argument's position or
 * its key, never its value.
 */
export function parseAssignments(args: readonly string[]): Assignment[] {
  const assignments: Assignment[] = [];
  const seen = new Set<string>();
  args.forEach((arg, index) => {
    const separator = arg.indexOf('=');
    if (separator === -1) {
      throw new UsageError(`Argument ${index + 1} has no "=": write every argument as KEY=VALUE, or pass a single KEY and its value on stdin.`);
    }
    const key = arg.slice(0, separator);
    if (key === '') {
      throw new CliError(`Argument ${index + 1} has no key before "=": write it as KEY=VALUE.`);
    }
    if (seen.has(key)) {
      throw new UsageError(`Key ${JSON.stringify(key)} is given more than once: give each key once.`);
    }
    seen.add(key);
    assignments.push({ key, value: arg.slice(separator + 1) });
  });
  assertValidKeys(assignments.map((assignment) => assignment.key));
  return assignments;
}

/** Throws a CliError when a secret value is larger than the server accepts. */
export function assertValueSize(assignment: Assignment): void {
  const bytes = Buffer.byteLength(assignment.value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new CliError(
      `The value of ${assignment.key} is ${bytes} bytes; a secret value may be at most ${MAX_SECRET_VALUE_BYTES} bytes (64 KiB). Store large files elsewhere and keep a reference here.`,
    );
  }
}

/**
 * Reads the value of `key`: a hidden prompt on a terminal, else stdin to its end. One final
 * newline is removed from a single-line value, the one `echo` or a heredoc adds.
 */
export async function readValue(context: CliContext, key: string): Promise<string> {
  if (isTerminal(context.stdin)) {
    return promptHidden(context, `Value for ${key}: `);
  }
  const bytes = await readAllStdin(context.stdin);
  return stripFinalNewline(decodeUtf8(bytes, `The value of ${key} on standard input`));
}
