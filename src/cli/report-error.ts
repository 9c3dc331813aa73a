import { isTresorError } from '../domain/errors.js';
import type { CliContext } from './context.js';
import { CliError, EXIT_FAILURE } from './errors.js';

/** Writes one `tresor: ...` line for an error and returns the exit code it maps to. */
export function reportError(error: unknown, context: Pick<CliContext, 'stderr'>): number {
  if (error instanceof CliError) {
    context.stderr.write(`tresor: ${error.message}\n`);
    return error.exitCode;
  }
  if (isTresorError(error)) {
    context.stderr.write(`tresor: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.stderr.write(`tresor: unexpected error: ${message}\n`);
  return EXIT_FAILURE;
}
