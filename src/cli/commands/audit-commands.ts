import type { Command } from 'commander';

import type { CliContext } from '../context.js';
import { withApp, withJson, withServer } from './shared-options.js';

/** `tresor audit`: who did what to an app, newest first; never a value. */
export function registerAuditCommands(program: Command, context: CliContext): void {
  withJson(
    withServer(
      withApp(
        program
          .command('audit')
          .description('list the newest audit events of an app (admins and the owner)')
          .option('--limit <count>', 'how many events to show, from 1 to 1000', '100'),
      ),
    ),
  ).action(async (options: { server?: string; json?: boolean; app?: string; limit: string }) => {
    const { listAuditEvents } = await import('./audit-action.js');
    await listAuditEvents(context, options);
  });
}
