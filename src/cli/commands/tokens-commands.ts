import type { Command } from 'commander';

import type { CliContext } from '../context.js';
import { withApp, withJson, withScope, withServer } from './shared-options.js';

type Options = { server?: string; json?: boolean; app?: string; env?: string; module?: string; name?: string };

/** `tresor tokens`: service tokens, each one module's read-only credential in one environment. */
export function registerTokensCommands(program: Command, context: CliContext): void {
  const tokens = program.command('tokens').description('create, list and revoke service tokens for `tresor run`');

  withJson(
    withServer(
      withScope(
        tokens
          .command('create')
          .description('create a service token and print it once on stdout')
          .option('--name <name>', 'a label for the token (default: MODULE-ENVIRONMENT)'),
      ),
    ),
  ).action(async (options: Options) => {
    const { createToken } = await import('./tokens-action.js');
    await createToken(context, options);
  });

  withJson(
    withServer(
      withApp(
        tokens
          .command('list')
          .description("list an app's service tokens (hints only, never the tokens)")
          .option('--env <environment>', 'only the tokens of this environment')
          .option('--module <module>', 'only the tokens of this module'),
      ),
    ),
  ).action(async (options: Options) => {
    const { listTokens } = await import('./tokens-action.js');
    await listTokens(context, options);
  });

  withServer(withApp(tokens.command('revoke').description('revoke a service token; its next delivery request is refused').argument('<token-id>', 'the ID column of `tresor tokens list`'))).action(
    async (tokenId: string, options: Options) => {
      const { revokeToken } = await import('./tokens-action.js');
      await revokeToken(context, tokenId, options);
    },
  );
}
