import { Option, type Command } from 'commander';

import type { CliContext } from '../context.js';
import { withJson, withScope, withServer } from './shared-options.js';

export interface SecretsOptions {
  server?: string;
  json?: boolean;
  app?: string;
  env?: string;
  module?: string;
  ifVersion?: string;
  toVersion?: string;
  reveal?: boolean;
  yes?: boolean;
  format?: string;
  name?: string;
  namespace?: string;
  skipUnrepresentable?: boolean;
}

const SET_VALUES_HELP = `
Values:
  A KEY given alone reads its value from standard input to the end, or from a hidden
  prompt on a terminal. One trailing newline (LF or CRLF), the one echo adds, is removed
  from a single-line value read on standard input. A multi-line value, such as a PEM key,
  keeps every byte. An empty value on standard input is stored, with a warning.
  The arguments are KEY=VALUE pairs only when every one contains "=", because "=" is not
  allowed in a key. Such values end up in your shell history and the process list, so
  pass real secrets on standard input.`;

function scoped(command: Command): Command {
  return withServer(withScope(command));
}

/** `tresor secrets`: one module's secrets in one environment. */
export function registerSecretsCommands(program: Command, context: CliContext): void {
  const secrets = program.command('secrets').description("set, read, import and export a module's secrets in one environment");

  withJson(
    scoped(
      secrets
        .command('set')
        .description('set one secret from stdin or a hidden prompt (KEY), or several from arguments (KEY=VALUE ...)')
        .argument('<key...>', 'KEY alone, its value then read from stdin or a prompt; or KEY=VALUE pairs (kept in shell history)')
        .option('--if-version <version>', 'write only if the secret is still at this version (0: only if it does not exist)')
        .addHelpText('after', SET_VALUES_HELP),
    ),
  ).action(async (keys: string[], options: SecretsOptions) => {
    const { setSecrets } = await import('./secrets-action.js');
    await setSecrets(context, keys, options);
  });

  withJson(scoped(secrets.command('list').description('list keys, versions and update times; values masked').option('--reveal', 'show the values (audited)'))).action(
    async (options: SecretsOptions) => {
      const { listSecrets } = await import('./secrets-action.js');
      await listSecrets(context, options);
    },
  );

  withJson(scoped(secrets.command('get').description('print the value of one secret exactly (audited)').argument('<key>', 'secret key'))).action(
    async (key: string, options: SecretsOptions) => {
      const { getSecret } = await import('./secrets-action.js');
      await getSecret(context, key, options);
    },
  );

  withJson(
    scoped(
      secrets
        .command('delete')
        .description('delete a secret (its history stays); asks first on a terminal')
        .argument('<key>', 'secret key')
        .option('-y, --yes', 'delete without asking; needed when there is no terminal'),
    ),
  ).action(async (key: string, options: SecretsOptions) => {
    const { deleteSecret } = await import('./secrets-action.js');
    await deleteSecret(context, key, options);
  });

  withJson(scoped(secrets.command('history').description('list the versions of a secret, newest first (no values)').argument('<key>', 'secret key'))).action(
    async (key: string, options: SecretsOptions) => {
      const { showHistory } = await import('./secrets-action.js');
      await showHistory(context, key, options);
    },
  );

  withJson(
    scoped(
      secrets
        .command('rollback')
        .description('make the value of an earlier version current again, as a new version')
        .argument('<key>', 'secret key')
        .requiredOption('--to-version <version>', 'the version whose value to restore'),
    ),
  ).action(async (key: string, options: SecretsOptions) => {
    const { rollbackSecret } = await import('./secrets-action.js');
    await rollbackSecret(context, key, options);
  });

  withJson(
    scoped(
      secrets
        .command('import')
        .description('write all secrets of a file in one all-or-nothing request')
        .argument('<file>', 'file to read, or - for stdin')
        .addOption(new Option('--format <format>', 'file format (default: from the extension: .json, .yaml/.yml, else env)').choices(['env', 'json', 'yaml'])),
    ),
  ).action(async (file: string, options: SecretsOptions) => {
    const { importSecrets } = await import('./secrets-transfer-action.js');
    await importSecrets(context, file, options);
  });

  scoped(
    secrets
      .command('export')
      .description('print all secrets with their values in a file format (audited); nothing is printed unless all can be written')
      .addOption(new Option('--format <format>', 'output format').choices(['env', 'json', 'yaml', 'k8s', 'docker']).default('env'))
      .option('--name <name>', 'k8s: metadata.name of the Secret (default: the module name)')
      .option('--namespace <namespace>', 'k8s: metadata.namespace of the Secret')
      .option('--skip-unrepresentable', 'leave out, with a warning, the values the format cannot carry instead of failing'),
  ).action(async (options: SecretsOptions) => {
    const { exportSecrets } = await import('./secrets-transfer-action.js');
    await exportSecrets(context, options);
  });
}
