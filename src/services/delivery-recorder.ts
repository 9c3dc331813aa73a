import { setImmediate as nextEventLoopTurn } from 'node:timers/promises';

import type { CompiledQuery, Kysely } from 'kysely';
import type { Logger } from 'pino';

import type { Database, NewDelivery } from '../store/schema.js';
import { timeOrderedId } from '../store/time-ordered-id.js';

export interface DeliveryRecorderOptions {
  /** Maximum time a delivery waits in memory before it is written, in milliseconds. */
  flushIntervalMs: number;
  /** Deliveries written by one INSERT. As soon as this many are pending, they are written. */
  maxBatch: number;
  /** Deliveries kept while the database is unreachable; older ones are dropped and counted. */
  maxPending: number;
}

const DEFAULT_OPTIONS: DeliveryRecorderOptions = { flushIntervalMs: 1000, maxBatch: 20, maxPending: 50_000 };

const COLUMNS = ['id', 'token_id', 'app_id', 'environment_id', 'module_id', 'revision', 'address', 'created_at'] as const;

/**
 * Records deliveries in batches, one INSERT (so one transaction) per batch, so the
 * delivery path does no database write per request. A crash loses at most the last
 * `flushIntervalMs` of records.
 *
 * Batches are small, and the recorder yields to the event loop between them, because
 * better-sqlite3 blocks the event loop while it writes. A batch of 500 rows held up every
 * request behind it for milliseconds, which showed in the delivery benchmark's p99.
 */
export class DeliveryRecorder {
  private pending: NewDelivery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** Set by flush(): the running write also writes the last partial batch. */
  private drainRequested = false;
  private dropped = 0;
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

  record(delivery: Omit<NewDelivery, 'id' | 'created_at'>): void {
    if (this.pending.length >= this.options.maxPending) {
      this.dropped += 1;
      return;
    }
    const now = Date.now();
    if (now !== this.lastTime) {
      // Many deliveries share a millisecond under load, and formatting the time costs about 1 µs.
      this.lastTime = now;
      this.lastTimeText = new Date(now).toISOString();
    }
    // Every row is built with the same properties in the same order, which keeps V8 on its fast path.
    this.pending.push({
      id: timeOrderedId(now),
      token_id: delivery.token_id,
      app_id: delivery.app_id,
      environment_id: delivery.environment_id,
      module_id: delivery.module_id,
      revision: delivery.revision,
      address: delivery.address,
      created_at: this.lastTimeText,
    });
    if (this.pending.length >= this.options.maxBatch) {
      void this.startWriting();
    } else {
      this.scheduleFlush(this.options.flushIntervalMs);
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
      if (this.pending.length > 0) {
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
      if (this.pending.length === 0) {
        this.drainRequested = false;
        break;
      }
      if (this.pending.length < this.options.maxBatch) {
        if (!this.drainRequested) {
          break;
        }
        // The partial batch is the end of what the flush asked for; later deliveries wait
        // for a full batch or the timer.
        this.drainRequested = false;
      }

      const batch = this.pending.splice(0, this.options.maxBatch);
      try {
        await this.db.executeQuery(this.insertQuery(batch));
      } catch (error) {
        // Put the batch back so a database outage delays the records instead of losing them.
        this.pending.unshift(...batch);
        this.logger.warn({ err: error, pending: this.pending.length }, 'Failed to record deliveries; retrying later');
        this.scheduleFlush(this.options.flushIntervalMs * 5);
        return;
      }
      await nextEventLoopTurn();
    }
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'Dropped delivery records because the database was unreachable for too long');
      this.dropped = 0;
    }
  }

  /**
   * Returns the INSERT of a batch. A full batch reuses one compiled query with the batch's
   * values as parameters, because building a Kysely query costs more per row than SQLite
   * takes to insert the row.
   */
  private insertQuery(batch: NewDelivery[]): CompiledQuery {
    if (batch.length !== this.options.maxBatch) {
      return this.db.insertInto('deliveries').values(batch).compile();
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
  }));
  const compiled = db.insertInto('deliveries').values(rows).compile();
  const expected = rows.flatMap((row) => COLUMNS.map((column) => row[column]));
  const inOrder = compiled.parameters.length === expected.length && compiled.parameters.every((parameter, index) => parameter === expected[index]);
  if (!inOrder) {
    throw new Error('The compiled INSERT of deliveries does not take its parameters row by row in COLUMNS order.');
  }
  return compiled;
}
