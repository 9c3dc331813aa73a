import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

import { DecryptionError, open, seal } from './envelope.js';
import { ROOT_KEY_BYTES } from './root-key-text.js';

const DATA_KEY_BYTES = 32;
const DERIVED_KEY_BYTES = 32;
const KEY_ID_BYTES = 8;

const KEY_ID_LABEL = 'tresor/root-key-id/v1';
const WRAPPING_KEY_INFO = 'tresor/data-key-wrapping/v1';
const FINGERPRINT_KEY_INFO = 'tresor/value-fingerprint/v1';
const BACKUP_KEY_INFO = 'tresor/backup/v1';

// The root key is already uniformly random, so HKDF needs no salt to extract from it.
const HKDF_SALT = Buffer.alloc(0);

interface RingEntry {
  wrappingKey: Buffer;
  fingerprintKey: Buffer;
  backupKey: Buffer;
}

/**
 * The root keys of one server and the keys derived from them. The first root key is the
 * primary. The others are older keys kept so that data keys they wrapped still unwrap.
 * Only derived keys are kept, so a root key itself never encrypts anything.
 *
 * NOTE: rotation invariants. Data keys are always wrapped with the primary and unwrapped
 * with the root key whose id the stored row names, so a new primary can be added while old
 * rows still read. An old key may leave the ring only after every data key it wrapped
 * has been rewrapped. Fingerprints depend on the primary, so a rotation must recompute
 * every stored fingerprint, or reuse across old and new rows goes unnoticed.
 */
export class Keyring {
  /** Id of the primary root key, stored beside each data key it wraps. */
  readonly primaryKeyId: string;

  readonly #entries = new Map<string, RingEntry>();
  readonly #primary: RingEntry;

  constructor(rootKeys: readonly Buffer[]) {
    if (rootKeys.length === 0) {
      throw new Error('A keyring needs at least one root key.');
    }

    let primary: RingEntry | undefined;
    for (const [index, rootKey] of rootKeys.entries()) {
      if (rootKey.length !== ROOT_KEY_BYTES) {
        throw new Error(`Root key ${index} is ${rootKey.length} bytes, but a root key must be ${ROOT_KEY_BYTES} bytes.`);
      }

      const id = rootKeyId(rootKey);
      if (this.#entries.has(id)) {
        throw new Error(`Root key ${index} repeats an earlier root key (id ${id}). List each root key once.`);
      }

      const entry: RingEntry = {
        wrappingKey: deriveKey(rootKey, WRAPPING_KEY_INFO),
        fingerprintKey: deriveKey(rootKey, FINGERPRINT_KEY_INFO),
        backupKey: deriveKey(rootKey, BACKUP_KEY_INFO),
      };
      this.#entries.set(id, entry);
      primary ??= entry;
    }

    this.primaryKeyId = rootKeyId(rootKeys[0]);
    this.#primary = primary as RingEntry;
  }

  /** Ids of every root key in the ring, primary first. */
  get keyIds(): string[] {
    return [...this.#entries.keys()];
  }

  /** Generates a new random data key for one (app, environment, module). */
  generateDataKey(): Buffer {
    return randomBytes(DATA_KEY_BYTES);
  }

  /** Seals a data key with the primary root key, bound to the data key's `context`. */
  wrapDataKey(dataKey: Buffer, context: Buffer): { rootKeyId: string; wrapped: Buffer } {
    if (dataKey.length !== DATA_KEY_BYTES) {
      throw new Error(`A data key must be ${DATA_KEY_BYTES} bytes, got ${dataKey.length} bytes.`);
    }
    return { rootKeyId: this.primaryKeyId, wrapped: seal(this.#primary.wrappingKey, dataKey, context) };
  }

  /**
   * Opens a wrapped data key with the root key named by `rootKeyId`. Throws
   * `DecryptionError` when that key is not in the ring or the wrapped key does not open.
   */
  unwrapDataKey(rootKeyId: string, wrapped: Buffer, context: Buffer): Buffer {
    const entry = this.#entries.get(rootKeyId);
    if (entry === undefined) {
      throw new DecryptionError();
    }

    const dataKey = open(entry.wrappingKey, wrapped, context);
    if (dataKey.length !== DATA_KEY_BYTES) {
      dataKey.fill(0);
      throw new DecryptionError();
    }
    return dataKey;
  }

  /**
   * Returns the key that seals backup files made under the root key `rootKeyId` (the
   * primary by default), or null when that root key is not in the ring. It is derived with
   * its own HKDF label, so it is independent of the data-key wrapping key.
   */
  backupKey(rootKeyId: string = this.primaryKeyId): Buffer | null {
    return this.#entries.get(rootKeyId)?.backupKey ?? null;
  }

  /**
   * Computes the HMAC-SHA256 (hex) of a value under the primary's fingerprint key. Equal
   * values give equal fingerprints, so reuse across modules shows without decrypting.
   */
  fingerprint(value: string): string {
    return createHmac('sha256', this.#primary.fingerprintKey).update(value, 'utf8').digest('hex');
  }
}

/** Derives the public id of a root key: it names the key in stored rows without revealing it. */
function rootKeyId(rootKey: Buffer): string {
  return createHmac('sha256', rootKey).update(KEY_ID_LABEL).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

function deriveKey(rootKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, HKDF_SALT, info, DERIVED_KEY_BYTES));
}
