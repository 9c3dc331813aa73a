import { Command, CommanderError } from 'commander';

import { registerAppsCommands } from './commands/apps-commands.js';
import { registerAuditCommands } from './commands/audit-commands.js';
import { registerAuthCommands } from './commands/auth-commands.js';
import { registerBackupCommands } from './commands/backup-commands.js';
import { registerConfigCommands } from './commands/config-commands.js';
import { registerMembersCommands } from './commands/members-commands.js';
import { registerRunCommand } from './commands/run-commands.js';
import { registerScanCommands } from './commands/scan-commands.js';
import { registerSecretsCommands } from './commands/secrets-commands.js';
import { registerServerCommands } from './commands/server-commands.js';
import { registerTokensCommands } from './commands/tokens-commands.js';
import type { CliContext } from './context.js';
import { EXIT_USAGE } from './errors.js';
import { reportError } from './report-error.js';
import { VERSION } from './version.js';

/** Builds the `tresor` program; every command group registers itself here. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('tresor')
    .description('Tresor: secrets of apps built from modules, per environment, delivered as environment variables.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });

  registerServerCommands(program, context);
  registerBackupCommands(program, context);
  registerAuthCommands(program, context);
  registerAppsCommands(program, context);
  registerMembersCommands(program, context);
  registerConfigCommands(program, context);
  registerSecretsCommands(program, context);
  registerTokensCommands(program, context);
  registerRunCommand(program, context);
  registerAuditCommands(program, context);
  registerScanCommands(program, context);
  return program;
}

/** Runs the CLI and returns its exit code: 0 ok, 1 failure, 2 usage; a run child's own code. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportMainError(error, context);
  }
}

function reportMainError(error: unknown, context: CliContext): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message or the help text. It exits 0 for --help
    // and --version, and non-zero when it printed help because a subcommand was missing.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  return reportError(error, context);
}
