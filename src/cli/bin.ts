#!/usr/bin/env node
import { main } from './main.js';

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

const exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = stdoutFailed && exitCode === 0 ? 1 : exitCode;
