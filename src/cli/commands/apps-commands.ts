import type { Command } from 'commander';

import type { CliContext } from '../context.js';
import { withApp, withJson, withServer } from './shared-options.js';

type Options = { server?: string; json?: boolean; app?: string };

/** `tresor apps`, `envs` and `modules`: the things secrets belong to. */
export function registerAppsCommands(program: Command, context: CliContext): void {
  const apps = program.command('apps').description('create and list apps');
  withJson(withServer(apps.command('create').description('create an app owned by you').argument('<name>', 'app name: lower-case letters, digits and "-"'))).action(
    async (name: string, options: Options) => {
      const { createApp } = await import('./apps-action.js');
      await createApp(context, name, options);
    },
  );
  withJson(withServer(apps.command('list').description('list the apps you own or are a member of'))).action(async (options: Options) => {
    const { listApps } = await import('./apps-action.js');
    await listApps(context, options);
  });

  const environments = program.command('envs').description('create and list the environments of an app');
  withJson(withServer(withApp(environments.command('create').description('create an empty environment').argument('<name>', 'environment name, such as production')))).action(
    async (name: string, options: Options) => {
      const { createChild } = await import('./apps-action.js');
      await createChild(context, 'environment', name, options);
    },
  );
  withJson(withServer(withApp(environments.command('list').description('list the environments of an app')))).action(async (options: Options) => {
    const { listChildren } = await import('./apps-action.js');
    await listChildren(context, 'environment', options);
  });

  const modules = program.command('modules').description('create and list the modules of an app');
  withJson(withServer(withApp(modules.command('create').description('create a module (one microservice)').argument('<name>', 'module name, such as api')))).action(
    async (name: string, options: Options) => {
      const { createChild } = await import('./apps-action.js');
      await createChild(context, 'module', name, options);
    },
  );
  withJson(withServer(withApp(modules.command('list').description('list the modules of an app')))).action(async (options: Options) => {
    const { listChildren } = await import('./apps-action.js');
    await listChildren(context, 'module', options);
  });
}
