import { createInterface } from 'node:readline/promises';

import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { isTerminal } from './output.js';

/**
 * Confirms a destructive action described by `action` (such as "Deleting secret X"). With
 * `yes` it goes ahead; on a terminal it prompts, and only "y" or "yes" confirms. Without a
 * terminal it never confirms for the user: it throws a UsageError that names --yes.
 */
export async function confirmAction(context: CliContext, action: string, yes: boolean | undefined): Promise<boolean> {
  if (yes === true) {
    return true;
  }
  if (!isTerminal(context.stdin) || !isTerminal(context.stderr)) {
    throw new UsageError(`${action} needs confirmation, and there is no terminal to ask on: pass --yes.`);
  }

  const readline = createInterface({ input: context.stdin, output: context.stderr, terminal: true });
  try {
    const answer = await readline.question(`${action}. Continue? [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}
