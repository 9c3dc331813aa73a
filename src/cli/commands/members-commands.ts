import { Option, type Command } from 'commander';

import type { CliContext } from '../context.js';
import { withApp, withJson, withServer } from './shared-options.js';

// The member roles of the access control service (MEMBER_ROLES in src/services/access-control.ts).
const ROLES = ['viewer', 'developer', 'admin'];

type Options = { server?: string; json?: boolean; app?: string; role?: string };

/** `tresor members`: the people an app's owner grants a role on the app. */
export function registerMembersCommands(program: Command, context: CliContext): void {
  const members = program.command('members').description("grant, list and revoke people's roles on an app");

  withJson(
    withServer(
      withApp(
        members
          .command('grant')
          .description('give a person a role on an app, or change their role (owner only)')
          .argument('<email>', 'e-mail address of an existing user')
          .addOption(
            new Option('--role <role>', 'viewer: list keys; developer: also read and write values; admin: also manage environments, modules and tokens')
              .choices(ROLES)
              .makeOptionMandatory(),
          ),
      ),
    ),
  ).action(async (email: string, options: Options) => {
    const { grantMember } = await import('./members-action.js');
    await grantMember(context, email, options);
  });

  withJson(withServer(withApp(members.command('list').description('list the members of an app and their roles')))).action(async (options: Options) => {
    const { listMembers } = await import('./members-action.js');
    await listMembers(context, options);
  });

  withServer(withApp(members.command('revoke').description("remove a person's role on an app (owner only)").argument('<email>', 'e-mail address of the member'))).action(
    async (email: string, options: Options) => {
      const { revokeMember } = await import('./members-action.js');
      await revokeMember(context, email, options);
    },
  );
}
