import type { Command } from 'commander';

import type { CliContext } from '../context.js';
import { withJson, withServer } from './shared-options.js';

/** `tresor login`, `logout` and `whoami`: a person's session on a server. */
export function registerAuthCommands(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('sign in and save a personal access token (password from TRESOR_PASSWORD, a hidden prompt, or stdin)')
    .option('--server <url>', 'Tresor server address, such as https://tresor.example.com (default: TRESOR_SERVER)')
    .option('--email <email>', 'e-mail address to sign in with')
    .action(async (options: { server?: string; email?: string }) => {
      const { login } = await import('./auth-action.js');
      await login(context, options);
    });

  withServer(program.command('logout').description('revoke the saved access token on the server and delete the credentials file')).action(
    async (options: { server?: string }) => {
      const { logout } = await import('./auth-action.js');
      await logout(context, options);
    },
  );

  withJson(withServer(program.command('whoami').description('print the e-mail address you are signed in with'))).action(
    async (options: { server?: string; json?: boolean }) => {
      const { whoami } = await import('./auth-action.js');
      await whoami(context, options);
    },
  );
}
