import type { Command } from 'commander';

/**
 * Options shared by the commands that talk to the server. Only commander is imported
 * here, because every command group loads this file when the program is built.
 */

export function withServer(command: Command): Command {
  return command.option('--server <url>', 'Tresor server address (default: TRESOR_SERVER, else the server of `tresor login`)');
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout instead of text');
}

export function withApp(command: Command): Command {
  return command.option('--app <app>', 'app name (default: TRESOR_APP)');
}

export function withEnvironment(command: Command): Command {
  return command.option('--env <environment>', 'environment name (default: TRESOR_ENV)');
}

export function withModule(command: Command): Command {
  return command.option('--module <module>', 'module name (default: TRESOR_MODULE)');
}

/** --app, --env and --module: one module's secrets in one environment. */
export function withScope(command: Command): Command {
  return withModule(withEnvironment(withApp(command)));
}
