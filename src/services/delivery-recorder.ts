import { randomUUID } from 'node:crypto';

import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

import type { Database, NewDelivery } from '../store/schema.js';

export interface DeliveryRecorderOptions {
  /** Longest time a delivery waits in memory before it is written, in milliseconds. */
  flushIntervalMs: number;
  /** A batch of this many deliveries is written at once, without waiting. */
  maxBatch: number;
  /** Deliveries kept while the database is unreachable; older ones are dropped and counted. */
  maxPending: number;
}

const DEFAULT_OPTIONS: DeliveryRecorderOptions = { flushIntervalMs: 1000, maxBatch: 500, maxPending: 50_000 };

/**
 * Records deliveries in batches, one transaction per batch, so the delivery path does no
 * database write per request. A crash loses at most the last `flushIntervalMs` of records.
 */
export class DeliveryRecorder {
  private pending: NewDelivery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private dropped = 0;
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
    this.pending.push({ ...delivery, id: randomUUID(), created_at: new Date().toISOString() });
    if (this.pending.length >= this.options.maxBatch) {
      void this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(() => this.writeBatches());
    return this.flushing;
  }

  private async writeBatches(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      try {
        await this.db.transaction().execute(async (trx) => {
          await trx.insertInto('deliveries').values(batch).execute();
        });
      } catch (error) {
        // Put the batch back so a database outage delays the records instead of losing them.
        this.pending.unshift(...batch);
        this.logger.warn({ err: error, pending: this.pending.length }, 'Failed to record deliveries; retrying later');
        this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs * 5);
        this.timer.unref();
        return;
      }
    }
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'Dropped delivery records because the database was unreachable for too long');
      this.dropped = 0;
    }
  }
}
