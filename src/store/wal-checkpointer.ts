import { Worker } from 'node:worker_threads';

import type SqliteDatabase from 'better-sqlite3';

/** SQLite's own default: checkpoint when the WAL reaches this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints of a SQLite database from `connection` to a worker thread with a
 * connection of its own. If the worker fails, `connection` checkpoints by itself again,
 * so the WAL never grows without bound.
 */
export function startWalCheckpointer(file: string, connection: SqliteDatabase.Database, intervalMs = 1000): WalCheckpointer {
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { file, intervalMs },
    // The worker only runs one prepared statement, so a small heap keeps the server's memory down.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 8 },
  });
  connection.pragma('wal_autocheckpoint = 0');

  let stopping = false;
  let exited = false;
  let fellBack = false;
  const fallBack = (): void => {
    if (stopping || fellBack || !connection.open) {
      return;
    }
    fellBack = true;
    connection.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    // The store has no logger; a process warning reaches stderr, next to the server's log.
    process.emitWarning(`The WAL checkpoint worker for ${file} failed; SQLite checkpoints on the server's connection again.`, 'TresorWarning');
  };
  worker.on('error', fallBack);
  worker.on('exit', () => {
    exited = true;
    fallBack();
  });
  worker.on('message', (message: { kind?: string }) => {
    if (message.kind === 'error') {
      fallBack();
    }
  });
  // The worker must not keep a finished process alive.
  worker.unref();

  return {
    stop: async () => {
      stopping = true;
      if (exited) {
        return;
      }
      const workerExit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Referenced again, so the process waits for the worker to close its connection.
      worker.ref();
      worker.postMessage('stop');
      await workerExit;
    },
  };
}
