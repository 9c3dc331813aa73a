/**
 * The serialized delivery response of recently fetched modules, keyed by scope and tagged
 * with the revision it was built from. It keeps plaintext values in process memory: that is
 * the price of serving a delivery without a database read of every secret and a
 * decryption per value. It is bounded in entries, bytes and age, and an entry is only
 * served while its revision is still the scope's current one.
 */
export interface CachedBundle {
  revision: number;
  body: Buffer;
  storedAt: number;
}

export interface BundleCacheLimits {
  maxEntries: number;
  maxBytes: number;
  maxAgeMs: number;
}

// The byte limit keeps the cache a small part of the server's memory: an idle server uses
// about 100 MB of resident memory, and about 150 MB under delivery load (docs/benchmarks.md).
export const DEFAULT_BUNDLE_CACHE_LIMITS: BundleCacheLimits = {
  maxEntries: 1000,
  maxBytes: 32 * 1024 * 1024,
  maxAgeMs: 5 * 60 * 1000,
};

export class BundleCache {
  private readonly entries = new Map<string, CachedBundle>();
  private bytes = 0;

  constructor(private readonly limits: BundleCacheLimits = DEFAULT_BUNDLE_CACHE_LIMITS) {}

  /** Returns the cached body if it was built from `revision` and is not too old. */
  get(scopeKey: string, revision: number, now = Date.now()): Buffer | null {
    const entry = this.entries.get(scopeKey);
    if (entry === undefined) {
      return null;
    }
    if (entry.revision !== revision || now - entry.storedAt > this.limits.maxAgeMs) {
      this.delete(scopeKey);
      return null;
    }
    // Re-insertion moves the entry to the end of the Map's order, which makes eviction LRU.
    this.entries.delete(scopeKey);
    this.entries.set(scopeKey, entry);
    return entry.body;
  }

  set(scopeKey: string, revision: number, body: Buffer, now = Date.now()): void {
    this.delete(scopeKey);
    if (body.length > this.limits.maxBytes) {
      return;
    }
    this.entries.set(scopeKey, { revision, body, storedAt: now });
    this.bytes += body.length;
    while (this.entries.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.delete(oldest.value);
    }
  }

  delete(scopeKey: string): void {
    const entry = this.entries.get(scopeKey);
    if (entry !== undefined) {
      this.bytes -= entry.body.length;
      this.entries.delete(scopeKey);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
