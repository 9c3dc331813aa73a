import { RUN_OPTIONS } from '../commands/run-commands.js';
import type { CliContext } from '../context.js';
import { EXIT_USAGE } from '../errors.js';
import { reportError } from '../report-error.js';
import { runCommand } from './run-command.js';

/** The `tresor run` command line after its own options: the command, its arguments and the flags. */
export interface RunArguments {
  command: string;
  args: string[];
  verbose: boolean;
  preserveEnv: boolean;
}

/** The result of `parseRunArguments`: a command line to run, a request for help, or an unknown option. */
export type ParsedRunArguments =
  | { kind: 'run'; run: RunArguments }
  | { kind: 'help' }
  | { kind: 'unknown-option'; option: string };

const HELP_FLAGS: readonly string[] = ['-h', '--help'];

/**
 * Parses the arguments after `tresor run` as the commander definition in
 * `commands/run-commands.ts` does. Options end at `--` or at the first argument that is
 * not an option, which is COMMAND. Everything after COMMAND belongs to the command. A help
 * flag wins over an unknown option written before COMMAND, as in commander.
 */
export function parseRunArguments(argv: readonly string[]): ParsedRunArguments {
  let verbose = false;
  let preserveEnv = false;
  let helpRequested = false;
  let unknownOption: string | undefined;
  let index = 0;

  for (; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '--') {
      index += 1;
      break;
    }

    // A lone `-` is an argument (commonly "stdin"), not an option.
    if (!argument.startsWith('-') || argument === '-') {
      break;
    }

    if (argument === RUN_OPTIONS.verbose.flag) {
      verbose = true;
    } else if (argument === RUN_OPTIONS.preserveEnv.flag) {
      preserveEnv = true;
    } else if (HELP_FLAGS.includes(argument)) {
      helpRequested = true;
    } else {
      unknownOption ??= argument;
    }
  }

  if (helpRequested) {
    return { kind: 'help' };
  }
  if (unknownOption !== undefined) {
    return { kind: 'unknown-option', option: unknownOption };
  }

  const [command = '', ...args] = argv.slice(index);
  return { kind: 'run', run: { command, args, verbose, preserveEnv } };
}

/**
 * Runs `tresor run` without loading commander or the other command groups, so the
 * wrapper starts sooner in front of every container's process. `argv` is the command
 * line after `run`. Help is printed by `runFullProgram`, so its text cannot drift from
 * `tresor run --help` in the full program. Resolves with the exit code as `main` would:
 * the command's own code, 1 for a failure, 2 for a usage error.
 */
export async function runEntry(
  argv: readonly string[],
  context: CliContext,
  runFullProgram: () => Promise<number>,
): Promise<number> {
  const parsed = parseRunArguments(argv);
  if (parsed.kind === 'help') {
    return runFullProgram();
  }
  if (parsed.kind === 'unknown-option') {
    // The same line commander prints for an unknown option in every other command.
    // NOTE: commander also suggests a close option name ("Did you mean --verbose?"), but this path does not.
    context.stderr.write(`error: unknown option '${parsed.option}'\n`);
    return EXIT_USAGE;
  }

  try {
    return await runCommand({ ...parsed.run, env: context.env, stderr: context.stderr });
  } catch (error) {
    return reportError(error, context);
  }
}
