import type { Kysely } from 'kysely';

import { dataKeyContext } from '../crypto/context.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Database } from '../store/schema.js';
import { nowIso } from './context.js';

export interface ScopeIds {
  appId: string;
  environmentId: string;
  moduleId: string;
}

export interface DataKey {
  version: number;
  key: Buffer;
}

/** Upper bound on unwrapped data keys kept in memory; an evicted key is unwrapped again. */
const MAX_CACHED_KEYS = 10_000;

/**
 * The data keys of each (app, environment, module): created on first write, stored only
 * wrapped by a root key, and kept unwrapped in memory to spare one decryption per use.
 */
export class DataKeys {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly keyring: Keyring) {}

  /**
   * Returns the newest data key of a scope, or undefined before its first write. It needs no
   * lock, so a write reads it before taking the scope's lock and holds that lock shorter.
   */
  async newest(executor: Kysely<Database>, scope: ScopeIds): Promise<DataKey | undefined> {
    const row = await executor
      .selectFrom('data_keys')
      .selectAll()
      .where('environment_id', '=', scope.environmentId)
      .where('module_id', '=', scope.moduleId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { version: row.version, key: this.unwrap(scope, row) };
  }

  /**
   * Returns the newest data key of a scope, creating it inside the caller's transaction.
   * Call it with the scope's lock held, so two first writes do not both create version 1.
   */
  async forWrite(trx: Kysely<Database>, scope: ScopeIds): Promise<DataKey> {
    const newest = await this.newest(trx, scope);
    if (newest !== undefined) {
      return newest;
    }

    const version = 1;
    const key = this.keyring.generateDataKey();
    const { rootKeyId, wrapped } = this.keyring.wrapDataKey(key, dataKeyContext({ ...scope, dataKeyVersion: version }));
    await trx
      .insertInto('data_keys')
      .values({
        app_id: scope.appId,
        environment_id: scope.environmentId,
        module_id: scope.moduleId,
        version,
        root_key_id: rootKeyId,
        wrapped_key: wrapped.toString('base64'),
        created_at: nowIso(),
      })
      .execute();
    // Not cached here: if the transaction rolls back, another instance may commit its own
    // version 1, and a cached copy of this key would then seal values no stored key opens.
    // The key is cached when it is next read from a committed row.
    return { version, key };
  }

  async forRead(executor: Kysely<Database>, scope: ScopeIds, version: number): Promise<Buffer> {
    const cached = this.cache.get(cacheKey(scope, version));
    if (cached !== undefined) {
      return cached;
    }
    const row = await executor
      .selectFrom('data_keys')
      .selectAll()
      .where('environment_id', '=', scope.environmentId)
      .where('module_id', '=', scope.moduleId)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return this.unwrap(scope, row);
  }

  private unwrap(scope: ScopeIds, row: { version: number; root_key_id: string; wrapped_key: string }): Buffer {
    const id = cacheKey(scope, row.version);
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      return cached;
    }
    const context = dataKeyContext({ ...scope, dataKeyVersion: row.version });
    const key = this.keyring.unwrapDataKey(row.root_key_id, Buffer.from(row.wrapped_key, 'base64'), context);
    this.remember(id, key);
    return key;
  }

  private remember(id: string, key: Buffer): void {
    if (this.cache.size >= MAX_CACHED_KEYS) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) {
        this.cache.delete(oldest.value);
      }
    }
    // A Buffer of 32 bytes is usually a view of an 8 KiB slab that Node.js shares among small
    // Buffers, and caching the view would keep the whole slab alive: 6,000 cached keys held
    // about 48 MB. The copy gets memory of its own.
    const copy = Buffer.allocUnsafeSlow(key.length);
    key.copy(copy);
    this.cache.set(id, copy);
  }
}

function cacheKey(scope: ScopeIds, version: number): string {
  return `${scope.environmentId}/${scope.moduleId}/${version}`;
}
