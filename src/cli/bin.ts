#!/usr/bin/env node
import type { CliContext } from './context.js';

let stdoutFailed = false;

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // A closed pipe (`tresor secrets export ... | head`) is not worth a message.
  if (error.code === 'EPIPE') {
    process.exit(0);
  }

  // A full disk or a broken file: the data did not arrive, so the command failed.
  if (!stdoutFailed) {
    stdoutFailed = true;
    process.stderr.write(`tresor: failed to write to standard output (${error.code ?? error.message}); the output is incomplete.\n`);
  }
  process.exitCode = 1;
});

const argv = process.argv.slice(2);
const context: CliContext = {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
};

async function runFullProgram(): Promise<number> {
  const { main } = await import('./main.js');
  return main(argv, context);
}

// `tresor run` starts in front of every container's process, so it skips loading
// commander and every command group. `run/run-entry.ts` parses its command line. The build
// bundles it with the modules it imports into one file, which Node.js loads about 7 ms
// sooner than the 16 separate modules.
const RUN_ENTRY_BUNDLE = './run-entry.bundle.js';

let exitCode: number;
if (argv[0] === 'run') {
  const { runEntry } = (await import(RUN_ENTRY_BUNDLE)) as typeof import('./run/run-entry.js');
  exitCode = await runEntry(argv.slice(1), context, runFullProgram);
} else {
  exitCode = await runFullProgram();
}
process.exitCode = stdoutFailed && exitCode === 0 ? 1 : exitCode;
