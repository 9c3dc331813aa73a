import { parentPort, workerData } from 'node:worker_threads';

import SqliteDatabase from 'better-sqlite3';

/*
 * Worker thread that checkpoints a SQLite WAL on its own connection. A checkpoint copies
 * the WAL back into the database file and can take milliseconds. Run on the server's
 * connection, it would pause the event loop and every request waiting on it.
 */

interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}

const { file, intervalMs } = workerData as CheckpointWorkerData;
const connection = new SqliteDatabase(file, { fileMustExist: true });
connection.pragma('busy_timeout = 5000');

// PASSIVE mode does not wait for readers or writers (SQLite's documented behaviour), so it
// copies what it can now and the next tick copies the rest.
const checkpoint = connection.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch (error) {
    parentPort?.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message === 'stop') {
    clearInterval(timer);
    connection.close();
    // In a worker thread, process.exit ends only this thread.
    process.exit(0);
  }
});
