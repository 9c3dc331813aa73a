import { assertValidKeys, parseAssignments, type Assignment } from './assignments.js';
import { CliError, UsageError } from './errors.js';

/** The arguments of `tresor secrets set`: one KEY, its value read later, or KEY=VALUE pairs. */
export type SetArguments = { form: 'key'; key: string } | { form: 'assignments'; assignments: Assignment[] };

const HOW_TO_SET = 'Write every argument as KEY=VALUE, or pass one KEY alone and its value on standard input.';

/**
 * Parses the arguments of `tresor secrets set`. They are KEY=VALUE pairs only when every
 * argument contains "=". Otherwise the first argument is the KEY and nothing may follow it.
 * Errors name keys, never values.
 */
export function parseSetArguments(args: readonly string[]): SetArguments {
  if (args.length > 0 && args.every((arg) => arg.includes('='))) {
    return { form: 'assignments', assignments: parseAssignments(args) };
  }

  const [key = '', ...extra] = args;
  const separator = key.indexOf('=');
  if (separator !== -1) {
    // What follows "=" may be a value meant for this key, so it is left out of the message.
    const redactedKey = JSON.stringify(`${key.slice(0, separator)}=…`);
    throw new CliError(`Invalid key ${redactedKey} (argument 1): "=" is not allowed in a key. ${HOW_TO_SET}`);
  }
  assertValidKeys([key]);

  if (extra.length > 0) {
    throw new UsageError(
      `Too many arguments: ${key} is a KEY given alone, because not every argument contains "=", and such a KEY takes its value ` +
        `from standard input or a prompt, never from the command line. ${HOW_TO_SET}`,
    );
  }
  return { form: 'key', key };
}

/** Builds the error for a value piped on stdin while the arguments already carry values. */
export function valueOnStdinError(): UsageError {
  return new UsageError(
    'Got a value on standard input and KEY=VALUE arguments: use one. An argument with "=" is a KEY=VALUE pair, because "=" is not allowed in a key. ' +
      'Pass one KEY alone with its value on standard input, or KEY=VALUE arguments with nothing on standard input ' +
      '(in a script whose standard input is meant for another command, add < /dev/null).',
  );
}
