import path from 'node:path';

import type { Command } from 'commander';

import type { CliContext } from '../context.js';

const DEFAULT_DATA_DIR = '.tresor';

interface BackupOptions {
  dataDir: string;
  database?: string;
}

function addDatabaseOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'folder of the embedded database and the root key file', DEFAULT_DATA_DIR)
    .option('--database <url>', 'database URL: postgres://... or sqlite:PATH (default: TRESOR_DATABASE_URL, else SQLite in the data folder)');
}

function databaseUrl(options: BackupOptions, env: NodeJS.ProcessEnv): string | undefined {
  return options.database ?? (env['TRESOR_DATABASE_URL'] || undefined);
}

/** `tresor backup` and `tresor restore`: run on the server's machine, with the root key at hand. */
export function registerBackupCommands(program: Command, context: CliContext): void {
  addDatabaseOptions(
    program
      .command('backup')
      .description('write an encrypted snapshot of the whole database to a new file (mode 0600), sealed under a key derived from the root key')
      .requiredOption('--output <file>', 'path of the backup file to create; an existing file is never overwritten'),
  ).action(async (options: BackupOptions & { output: string }) => {
    const { runBackup } = await import('./backup-action.js');
    await runBackup(context, { dataDir: path.resolve(options.dataDir), databaseUrl: databaseUrl(options, context.env), output: options.output });
  });

  addDatabaseOptions(
    program
      .command('restore')
      .description('load a backup into an empty database, after applying its migrations; needs the root key the backup was made with')
      .requiredOption('--input <file>', 'path of the backup file to read'),
  ).action(async (options: BackupOptions & { input: string }) => {
    const { runRestore } = await import('./backup-action.js');
    await runRestore(context, { dataDir: path.resolve(options.dataDir), databaseUrl: databaseUrl(options, context.env), input: options.input });
  });
}
