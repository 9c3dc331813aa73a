import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';

import { CliError } from '../errors.js';
import { isInTerminalForegroundGroup } from './foreground-group.js';
import { quoteName } from './terminal-text.js';

/** Signals that the wrapper passes on to the command it started. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

// The terminal driver sends these to every process of the foreground process group, the
// command included, so forwarding them too would deliver them twice.
const TERMINAL_SIGNALS: ReadonlySet<ForwardedSignal> = new Set(['SIGINT', 'SIGQUIT']);

/** Exit codes a shell uses when it cannot start a command. */
export const EXIT_COMMAND_NOT_FOUND = 127;
export const EXIT_COMMAND_NOT_EXECUTABLE = 126;

export interface RunChildOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Stream for the wrapper's own messages. The command's output never passes through it. */
  stderr: NodeJS.WritableStream;
}

function forwardSignal(child: ChildProcess | undefined, signal: ForwardedSignal): void {
  if (child === undefined || child.pid === undefined) {
    return;
  }
  if (TERMINAL_SIGNALS.has(signal) && isInTerminalForegroundGroup()) {
    return;
  }

  // Returns false without throwing when the command has already exited.
  child.kill(signal);
}

/** Maps the way the command ended to an exit code, as a POSIX shell reports it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) {
    const signalNumber: number | undefined = (constants.signals as Record<string, number>)[signal];
    return 128 + (signalNumber ?? 0);
  }
  return code ?? 1;
}

async function isDirectory(command: string): Promise<boolean> {
  // A name without "/" is looked up in PATH, so a folder of that name here is not the one run.
  if (!command.includes('/')) {
    return false;
  }
  try {
    return (await stat(command)).isDirectory();
  } catch {
    return false;
  }
}

async function startFailure(command: string, error: NodeJS.ErrnoException): Promise<{ exitCode: number; message: string }> {
  const name = quoteName(command);
  if (error.code === 'ENOENT') {
    return {
      exitCode: EXIT_COMMAND_NOT_FOUND,
      message: `tresor run: Can't start ${name}: command not found. Check its name, or the PATH it is looked up in.\n`,
    };
  }
  // exec reports EACCES for a folder as for a file without the execute permission.
  if (error.code === 'EACCES' && (await isDirectory(command))) {
    return {
      exitCode: EXIT_COMMAND_NOT_EXECUTABLE,
      message: `tresor run: Can't start ${name}: it is a directory. Pass the path of a program or script inside it.\n`,
    };
  }
  if (error.code === 'EACCES') {
    return {
      exitCode: EXIT_COMMAND_NOT_EXECUTABLE,
      message: `tresor run: Can't start ${name}: permission denied. Make the file executable (chmod +x) or start it through its interpreter.\n`,
    };
  }
  return {
    exitCode: EXIT_COMMAND_NOT_EXECUTABLE,
    message: `tresor run: Failed to start ${name} (${error.code ?? 'unknown error'}).\n`,
  };
}

/**
 * Starts the command without a shell, so that arguments reach it unchanged, and resolves
 * with its exit code. That is the command's own code, or 128 + N when signal N ended it.
 * It is 127 when the command is not found and 126 when it cannot be executed.
 *
 * While the command runs, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to
 * this process are passed on to it once. The exception is SIGINT and SIGQUIT while this
 * process is in the terminal's foreground process group, because the terminal has sent
 * them to the command already.
 * A command that ignores a signal keeps running, because the wrapper never escalates to
 * SIGKILL on its own.
 *
 * NOTE: as PID 1 the wrapper reaps only its own child, so orphaned grandchildren stay
 * zombies. Commands that leave orphans need an init process, such as `docker run --init`.
 */
export function runChild(options: RunChildOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let child: ChildProcess | undefined;
    let settled = false;
    const handlers = new Map<ForwardedSignal, () => void>();

    const settle = (): boolean => {
      if (settled) {
        return false;
      }
      settled = true;
      for (const [signal, handler] of handlers) {
        process.off(signal, handler);
      }
      return true;
    };

    // The handlers go in before the spawn, so that no signal arriving in between takes
    // the default action and leaves the command orphaned. They also matter as PID 1 (in a
    // container), where the kernel drops every signal that has no handler.
    for (const signal of FORWARDED_SIGNALS) {
      const handler = (): void => forwardSignal(child, signal);
      handlers.set(signal, handler);
      process.on(signal, handler);
    }

    try {
      child = spawn(options.command, options.args, { env: options.env, stdio: 'inherit', shell: false });
    } catch (error) {
      // Node validates arguments before spawning, and its message would quote the
      // offending value, which may be a secret, so only the code is reported.
      settle();
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      reject(new CliError(`Failed to start ${quoteName(options.command)} (${code}): an argument or environment value is invalid.`));
      return;
    }

    child.once('exit', (code, signal) => {
      if (settle()) {
        resolve(exitCodeOf(code, signal));
      }
    });

    child.on('error', (error: NodeJS.ErrnoException) => {
      // After a successful spawn, 'error' means a signal could not be delivered, and the
      // command keeps running, so the wrapper keeps waiting for it.
      if (child?.pid !== undefined) {
        options.stderr.write(`tresor run: Failed to forward a signal to the command (${error.code ?? 'unknown error'}).\n`);
        return;
      }
      if (settle()) {
        void startFailure(options.command, error).then((failure) => {
          options.stderr.write(failure.message);
          resolve(failure.exitCode);
        });
      }
    });
  });
}
