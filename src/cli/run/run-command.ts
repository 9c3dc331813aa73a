import { CliError, UsageError } from '../errors.js';
import { buildChildEnvironment, TOKEN_VARIABLE } from './child-environment.js';
import { fetchBundle } from './fetch-bundle.js';
import { runChild } from './run-child.js';
import { quoteName } from './terminal-text.js';

export interface RunCommandOptions {
  command: string;
  args: string[];
  /** Report how many secrets were loaded and which inherited variables they replaced. */
  verbose: boolean;
  /** Keep inherited variables over secrets of the same name. */
  preserveEnv: boolean;
  /** The wrapper's own environment, which supplies TRESOR_TOKEN and TRESOR_SERVER and is the base of the command's. */
  env: NodeJS.ProcessEnv;
  stderr: NodeJS.WritableStream;
}

function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function listNames(names: string[]): string {
  return names.map(quoteName).join(', ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Runs `tresor run [--] COMMAND [ARGS...]`. Fetches the module's secrets with the
 * service token in TRESOR_TOKEN, starts the command with them in its environment, and
 * resolves with the command's exit code. When the secrets cannot be fetched, it throws
 * a CliError and the command is not started. Writes warnings to stderr, never to stdout.
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  if (options.command === '') {
    throw new UsageError('Missing the command to run. Usage: tresor run [--] COMMAND [ARGS...]');
  }

  // A missing or malformed variable exits 1, like any other failure: the command line
  // itself is right, so exit code 2 would send the user looking in the wrong place.
  const token = readVariable(options.env, TOKEN_VARIABLE);
  if (token === undefined) {
    throw new CliError(
      'TRESOR_TOKEN is not set. tresor run needs the service token of the module and environment it starts: ' +
        'create one with `tresor tokens create` and export it as TRESOR_TOKEN.',
    );
  }
  const server = readVariable(options.env, 'TRESOR_SERVER') ?? readVariable(options.env, 'TRESOR_URL');
  if (server === undefined) {
    throw new CliError(
      'TRESOR_SERVER is not set. Set it (or TRESOR_URL) to the Tresor server address, such as https://tresor.example.com.',
    );
  }

  const bundle = await fetchBundle({ server, token });
  const { env, overridden, preserved, skipped } = buildChildEnvironment(options.env, bundle.secrets, {
    preserveEnv: options.preserveEnv,
  });

  if (skipped.length > 0) {
    options.stderr.write(
      `tresor run: Warning: not passing ${plural(skipped.length, 'secret')} to the command: ${listNames(skipped)}. ` +
        'A key must be a valid environment variable name other than TRESOR_TOKEN, and a value must be valid Unicode without NUL. ' +
        'Rename or rewrite these secrets in Tresor.\n',
    );
  }
  if (options.verbose) {
    const passed = Object.keys(bundle.secrets).length - skipped.length - preserved.length;
    const scope = `app ${quoteName(bundle.app)}, environment ${quoteName(bundle.environment)}, module ${quoteName(bundle.module)}`;
    options.stderr.write(`tresor run: Loaded ${plural(passed, 'secret')} of ${scope} at revision ${bundle.revision}.\n`);
  }
  if (options.verbose && overridden.length > 0) {
    options.stderr.write(`tresor run: Secrets override inherited variables: ${listNames(overridden)}.\n`);
  }
  if (options.verbose && preserved.length > 0) {
    options.stderr.write(
      `tresor run: Inherited variables kept over secrets (--preserve-env): ${listNames(preserved)}.\n`,
    );
  }

  return runChild({ command: options.command, args: options.args, env, stderr: options.stderr });
}
