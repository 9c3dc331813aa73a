#!/usr/bin/env node
import { main } from './main.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // A closed pipe (`tresor secrets export ... | head`) is not worth a message.
  if (error.code === 'EPIPE') {
    process.exit(0);
  }
});

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
