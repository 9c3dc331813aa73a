import { fstatSync, readSync } from 'node:fs';

import { isTerminal } from './output.js';

/**
 * Reports whether standard input has data that a read would return now, without waiting
 * for a writer that has not written yet.
 *
 * - A regular file (`< file`) is checked by reading one byte at its current offset, which
 *   waits for no writer. That byte is consumed, so only call this when data means an error.
 * - A pipe or socket (`printf x |`) is read for one full turn of the event loop, so data
 *   already in it is seen, and then paused again.
 * - A terminal, a character device such as /dev/null, and anything else return false.
 *
 * NOTE: a writer that starts writing only after that turn, such as a slow command at the
 * front of a pipeline, is not seen. Telling it apart from a writer that never writes would
 * mean waiting, so such input goes unnoticed.
 */
export async function hasPendingInput(stdin: NodeJS.ReadStream): Promise<boolean> {
  const fd = (stdin as { fd?: unknown }).fd;
  if (isTerminal(stdin) || typeof fd !== 'number') {
    return false;
  }

  let stats;
  try {
    stats = fstatSync(fd);
  } catch {
    return false;
  }

  if (stats.isFile()) {
    return fileHasData(fd);
  }
  if (stats.isFIFO() || stats.isSocket()) {
    return streamHasData(stdin);
  }
  return false;
}

function fileHasData(fd: number): boolean {
  try {
    // A null position reads at the file's current offset, which a shell loop reading the
    // same file may have moved past its start.
    return readSync(fd, Buffer.alloc(1), 0, 1, null) > 0;
  } catch {
    return false;
  }
}

function streamHasData(stdin: NodeJS.ReadStream): Promise<boolean> {
  return new Promise((resolve) => {
    let received = false;
    const onData = (): void => {
      received = true;
    };
    stdin.on('data', onData);

    // Reading starts on the next tick, and data already waiting arrives in the poll phase
    // of the event loop. A nested setImmediate runs only after one full poll phase.
    setImmediate(() => {
      setImmediate(() => {
        stdin.off('data', onData);
        // Pausing stops reading, so an idle writer does not keep this process alive.
        stdin.pause();
        resolve(received);
      });
    });
  });
}
