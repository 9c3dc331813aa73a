import type { Command } from 'commander';

import type { CliContext } from '../context.js';
import { withApp, withJson, withModule, withServer } from './shared-options.js';

type Options = { server?: string; json?: boolean; app?: string; module?: string };

function withModuleScope(command: Command): Command {
  return withJson(withServer(withModule(withApp(command))));
}

/** `tresor config`: a module's plain configuration, shown in clear text and never meant for secrets. */
export function registerConfigCommands(program: Command, context: CliContext): void {
  const config = program.command('config').description("set, read and delete a module's plain (non-secret) configuration");

  withModuleScope(
    config
      .command('set')
      .description('set one configuration entry (warns when it looks like a secret)')
      .argument('<key>', 'entry name, or KEY=VALUE')
      .argument('[value]', 'entry value, when KEY is given alone'),
  ).action(async (key: string, value: string | undefined, options: Options) => {
    const { setConfig } = await import('./config-action.js');
    await setConfig(context, key, value, options);
  });

  withModuleScope(config.command('get').description('print the value of one configuration entry').argument('<key>', 'entry name')).action(
    async (key: string, options: Options) => {
      const { getConfig } = await import('./config-action.js');
      await getConfig(context, key, options);
    },
  );

  withModuleScope(config.command('list').description("list a module's configuration entries with their values")).action(async (options: Options) => {
    const { listConfig } = await import('./config-action.js');
    await listConfig(context, options);
  });

  withServer(withModule(withApp(config.command('delete').description('delete one configuration entry').argument('<key>', 'entry name')))).action(
    async (key: string, options: Options) => {
      const { deleteConfig } = await import('./config-action.js');
      await deleteConfig(context, key, options);
    },
  );
}
