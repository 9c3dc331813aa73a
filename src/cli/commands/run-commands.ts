import type { Command } from 'commander';

import type { CliContext } from '../context.js';

/**
 * The options of `tresor run`, shared with the fast path in `run/run-entry.ts`, which
 * parses the run command line without commander.
 */
export const RUN_OPTIONS = {
  verbose: {
    flag: '--verbose',
    description: 'report on stderr how many secrets were loaded and which inherited variables they replaced',
  },
  preserveEnv: {
    flag: '--preserve-env',
    description: 'keep an inherited variable when a secret has the same name',
  },
} as const;

/**
 * `tresor run [--] COMMAND [ARGS...]`: starts a command with its module's secrets. Options
 * after COMMAND belong to the command, so they are passed through untouched.
 */
export function registerRunCommand(program: Command, context: CliContext): void {
  // Without positional options, the program would claim `--help` or `-V` written after
  // COMMAND, and `tresor run node --version` would print Tresor's version.
  program.enablePositionalOptions();

  program
    .command('run')
    .description('run a command with its module\'s secrets as environment variables (needs TRESOR_TOKEN and TRESOR_SERVER or TRESOR_URL)')
    .usage('[options] [--] COMMAND [ARGS...]')
    .argument('[command...]', 'the command and its arguments, passed on without a shell')
    .option(RUN_OPTIONS.verbose.flag, RUN_OPTIONS.verbose.description)
    .option(RUN_OPTIONS.preserveEnv.flag, RUN_OPTIONS.preserveEnv.description)
    .passThroughOptions()
    .action(async (commandLine: string[], options: { verbose?: boolean; preserveEnv?: boolean }) => {
      const { runCommand } = await import('../run/run-command.js');
      const [command = '', ...args] = commandLine;

      // main returns process.exitCode, so `tresor run` exits with the command's code.
      process.exitCode = await runCommand({
        command,
        args,
        verbose: options.verbose === true,
        preserveEnv: options.preserveEnv === true,
        env: context.env,
        stderr: context.stderr,
      });
    });
}
