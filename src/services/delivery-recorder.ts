import { setImmediate as nextEventLoopTurn } from 'node:timers/promises';

import type { CompiledQuery, Kysely } from 'kysely';
import type { Logger } from 'pino';

import { isConstraintViolation } from '../store/database.js';
import type { Database, NewDelivery } from '../store/schema.js';
import { timeOrderedId } from '../store/time-ordered-id.js';

export interface DeliveryRecorderOptions {
  /** Maximum time a delivery waits in memory before it is written, in milliseconds. */
  flushIntervalMs: number;
  /** Rows written by one INSERT. */
  maxBatch: number;
  /** Pending rows that start a write before the timer does, which bounds memory when many tokens deliver at once. */
  writeAtRows: number;
  /** Rows kept while the database is unreachable. A delivery that would need one more is dropped and counted. */
  maxPending: number;
}

export type DeliveryFacts = Pick<NewDelivery, 'token_id' | 'app_id' | 'environment_id' | 'module_id' | 'revision' | 'address'>;

const DEFAULT_OPTIONS: DeliveryRecorderOptions = { flushIntervalMs: 1000, maxBatch: 20, writeAtRows: 2000, maxPending: 50_000 };

/** Writes tried at shutdown before the pending records are given up, and the pause between them. */
const CLOSE_ATTEMPTS = 2;
const CLOSE_RETRY_DELAY_MS = 500;

const COLUMNS = ['id', 'token_id', 'app_id', 'environment_id', 'module_id', 'revision', 'address', 'created_at', 'count'] as const;

/**
 * Records deliveries without a database write per request. Deliveries of one token, at one
 * revision, to one address, add to the count of one pending row until that row is written.
 * The timer writes every pending row about once a second, so a container that restarts in
 * a loop, or a load test, adds a row per second, not one per request. Rows are written in
 * batches, one INSERT (so one transaction) per batch. A crash loses at most the last
 * `flushIntervalMs` of records.
 *
 * Batches are small, and the recorder yields to the event loop between them, because
 * better-sqlite3 blocks the event loop while it writes. A batch of 500 rows held up every
 * request behind it for milliseconds, which showed in the delivery benchmark's p99.
 */
export class DeliveryRecorder {
  /** Pending rows by token, revision and address, in the order they were first seen (a Map keeps insertion order). */
  private pending = new Map<string, NewDelivery>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** Set by flush(): the running write also writes the last partial batch. */
  private drainRequested = false;
  private dropped = 0;
  private closing = false;
  /** Set after a failed write until a write succeeds: only the retry timer writes then. */
  private backingOff = false;
  private lastError: unknown = null;
  private fullBatchInsert: CompiledQuery | null = null;
  private lastTime = 0;
  private lastTimeText = '';
  private readonly options: DeliveryRecorderOptions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    options: Partial<DeliveryRecorderOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  record(delivery: DeliveryFacts): void {
    const key = `${delivery.token_id} ${delivery.revision} ${delivery.address}`;
    const row = this.pending.get(key);
    if (row !== undefined) {
      row.count += 1;
      return;
    }
    if (this.pending.size >= this.options.maxPending) {
      this.dropped += 1;
      return;
    }

    const now = Date.now();
    if (now !== this.lastTime) {
      // Many rows start within the same millisecond in a sweep, and formatting the time costs about 1 µs.
      this.lastTime = now;
      this.lastTimeText = new Date(now).toISOString();
    }
    // Every row is built with the same properties in the same order, which keeps V8 on its fast path.
    this.pending.set(key, {
      id: timeOrderedId(now),
      token_id: delivery.token_id,
      app_id: delivery.app_id,
      environment_id: delivery.environment_id,
      module_id: delivery.module_id,
      revision: delivery.revision,
      address: delivery.address,
      created_at: this.lastTimeText,
      count: 1,
    });
    if (this.pending.size >= this.options.writeAtRows && !this.backingOff) {
      void this.startWriting();
    } else {
      this.scheduleFlush(this.options.flushIntervalMs);
    }
  }

  /**
   * Writes every pending record at shutdown, trying again once if the database fails.
   * Records that still cannot be written are lost, and one error line gives their number.
   */
  async close(): Promise<void> {
    this.closing = true;
    // A write the timer started has already taken rows out of the pending ones.
    await this.writing;
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS && this.pending.size > 0; attempt += 1) {
      if (attempt > 1) {
        await new Promise((resolve) => setTimeout(resolve, CLOSE_RETRY_DELAY_MS));
      }
      await this.flush();
    }
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.size > 0 || this.dropped > 0) {
      let deliveries = this.dropped;
      for (const row of this.pending.values()) {
        deliveries += row.count;
      }
      this.logger.error({ err: this.lastError, deliveries, rows: this.pending.size }, 'Lost delivery records at shutdown: the database did not accept them');
      this.pending.clear();
      this.dropped = 0;
    }
  }

  /**
   * Writes everything recorded so far; resolves when it is in the database, or when a
   * write failed and a retry is scheduled.
   */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.drainRequested = true;
    return this.startWriting();
  }

  /** Starts writing full batches, and the last partial one if a flush asked for it; joins a write already running. */
  private startWriting(): Promise<void> {
    this.writing ??= this.writeBatches().finally(() => {
      this.writing = null;
      // Rows still pending are a partial batch left for the timer, or deliveries recorded
      // after the loop last looked.
      if (this.pending.size > 0) {
        this.scheduleFlush(this.options.flushIntervalMs);
      }
    });
    return this.writing;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), delayMs);
      this.timer.unref();
    }
  }

  private async writeBatches(): Promise<void> {
    for (;;) {
      if (this.pending.size === 0) {
        this.drainRequested = false;
        break;
      }
      if (this.pending.size < this.options.maxBatch) {
        if (!this.drainRequested) {
          break;
        }
        // The partial batch is the end of what the flush asked for; later deliveries wait
        // for a full batch or the timer.
        this.drainRequested = false;
      }

      const batch = this.takeBatch();
      const failure = await this.writeBatch(batch);
      if (failure !== null) {
        this.putBack(failure.unwritten);
        this.lastError = failure.error;
        if (this.closing) {
          // close() decides whether to try again.
          return;
        }
        this.backingOff = true;
        const retryInMs = this.options.flushIntervalMs * 5;
        this.logger.warn({ err: failure.error, pending: this.pending.size, retryInMs }, 'Failed to record deliveries. Retrying later.');
        this.scheduleFlush(retryInMs);
        return;
      }
      this.backingOff = false;
      await nextEventLoopTurn();
    }
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'Dropped delivery records because the database was unreachable for too long');
      this.dropped = 0;
    }
  }

  /**
   * Inserts a batch. When the database rejects a constraint, it writes the rows one at a
   * time and drops the rejected ones, because a retry would meet the same rejection and
   * hold up every row behind them. Returns the rows left unwritten by any other error.
   */
  private async writeBatch(batch: NewDelivery[]): Promise<{ unwritten: NewDelivery[]; error: unknown } | null> {
    try {
      await this.db.executeQuery(this.insertQuery(batch));
      return null;
    } catch (error) {
      if (!isConstraintViolation(error)) {
        return { unwritten: batch, error };
      }
      if (batch.length === 1) {
        this.reject(batch, error);
        return null;
      }
    }

    for (const [index, row] of batch.entries()) {
      const failure = await this.writeBatch([row]);
      if (failure !== null) {
        return { unwritten: batch.slice(index), error: failure.error };
      }
    }
    return null;
  }

  /** Drops rows the database rejects for good, with a warning that names their tokens. */
  private reject(rows: NewDelivery[], error: unknown): void {
    const deliveries = rows.reduce((sum, row) => sum + row.count, 0);
    this.logger.warn({ err: error, deliveries, tokens: rows.map((row) => row.token_id) }, 'Dropped delivery records that the database rejects');
  }

  /** Removes the oldest rows, up to a batch, from the pending ones. Later deliveries start new rows. */
  private takeBatch(): NewDelivery[] {
    const batch: NewDelivery[] = [];
    for (const [key, row] of this.pending) {
      if (batch.length === this.options.maxBatch) {
        break;
      }
      batch.push(row);
      this.pending.delete(key);
    }
    return batch;
  }

  /**
   * Puts a batch that failed to be written back in front of the pending rows, so a database
   * outage delays the records instead of losing them. Where a newer row has the same token,
   * revision and address, the failed row keeps its id and start time and adds the newer count.
   */
  private putBack(batch: NewDelivery[]): void {
    const later = this.pending;
    this.pending = new Map();
    for (const row of batch) {
      this.pending.set(`${row.token_id} ${row.revision} ${row.address}`, row);
    }
    for (const [key, row] of later) {
      const failed = this.pending.get(key);
      if (failed === undefined) {
        this.pending.set(key, row);
      } else {
        failed.count += row.count;
      }
    }
  }

  /**
   * Returns the INSERT of a batch. A full batch reuses one compiled query with the batch's
   * values as parameters, because building a Kysely query costs more per row than SQLite
   * takes to insert the row.
   */
  private insertQuery(batch: NewDelivery[]): CompiledQuery {
    if (batch.length !== this.options.maxBatch) {
      return insertDeliveries(this.db, batch).compile();
    }
    this.fullBatchInsert ??= compileInsert(this.db, this.options.maxBatch);
    return { ...this.fullBatchInsert, parameters: batch.flatMap((row) => COLUMNS.map((column) => row[column])) };
  }
}

/**
 * Compiles an INSERT of `rowCount` deliveries and checks that its parameters are the rows'
 * values in COLUMNS order, row after row, which is how `insertQuery` fills them in.
 */
function compileInsert(db: Kysely<Database>, rowCount: number): CompiledQuery {
  const rows: NewDelivery[] = Array.from({ length: rowCount }, (_, index) => ({
    id: `id-${index}`,
    token_id: `token-${index}`,
    app_id: `app-${index}`,
    environment_id: `environment-${index}`,
    module_id: `module-${index}`,
    revision: index,
    address: `address-${index}`,
    created_at: `created-${index}`,
    count: 1000 + index,
  }));
  const compiled = insertDeliveries(db, rows).compile();
  const expected = rows.flatMap((row) => COLUMNS.map((column) => row[column]));
  const inOrder = compiled.parameters.length === expected.length && compiled.parameters.every((parameter, index) => parameter === expected[index]);
  if (!inOrder) {
    throw new Error('The compiled INSERT of deliveries does not take its parameters row by row in COLUMNS order.');
  }
  return compiled;
}

/**
 * Builds the INSERT of delivery rows. A row whose id is already stored takes the new
 * count: that happens when a write committed but its connection failed before the reply,
 * and the retry carries the same row with the deliveries counted since added.
 */
function insertDeliveries(db: Kysely<Database>, rows: NewDelivery[]) {
  return db
    .insertInto('deliveries')
    .values(rows)
    .onConflict((conflict) => conflict.column('id').doUpdateSet((eb) => ({ count: eb.ref('excluded.count') })));
}
