import { createHash } from 'node:crypto';

const VALUE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.:@!#%&*()[]{}<>?,;~ "\'\\';

/**
 * Returns a deterministic pseudo-random byte stream (SHA-256 in counter mode), so every run
 * and every store of one run gets the same keys and values for the same seed.
 */
export function seededBytes(seed) {
  let counter = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  return (count) => {
    const out = Buffer.alloc(count);
    for (let i = 0; i < count; i += 1) {
      if (offset === block.length) {
        block = createHash('sha256').update(`${seed}/${counter}`).digest();
        counter += 1;
        offset = 0;
      }
      out[i] = block[offset];
      offset += 1;
    }
    return out;
  };
}

/**
 * Generates `count` secrets with keys `SECRET_001`... and printable values whose lengths
 * are spread uniformly over [minBytes, maxBytes]. Values include quotes and backslashes, so
 * the JSON response escapes some characters as real values would.
 */
export function generateSecrets({ count, seed, minBytes = 20, maxBytes = 2000 }) {
  const next = seededBytes(seed);
  const secrets = [];
  for (let index = 0; index < count; index += 1) {
    const length = minBytes + (next(4).readUInt32BE(0) % (maxBytes - minBytes + 1));
    const characters = [...next(length)].map((byte) => VALUE_ALPHABET[byte % VALUE_ALPHABET.length]);
    secrets.push({ key: `SECRET_${String(index + 1).padStart(3, '0')}`, value: characters.join('') });
  }
  return secrets;
}
