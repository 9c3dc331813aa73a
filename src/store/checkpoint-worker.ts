import { parentPort, workerData } from 'node:worker_threads';

import SqliteDatabase from 'better-sqlite3';

/*
 * Worker thread that checkpoints a SQLite WAL on its own connection. A checkpoint copies
 * the WAL back into the database file and can take milliseconds; run on the server's
 * connection it would pause the event loop, and every request with it.
 */

interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}

const { file, intervalMs } = workerData as CheckpointWorkerData;
const connection = new SqliteDatabase(file, { fileMustExist: true });
connection.pragma('busy_timeout = 5000');

// PASSIVE never waits for readers or writers: it copies what it can and tries again later.
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
