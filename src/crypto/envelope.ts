import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The first byte of every sealed value. Layout of format 1:
 * `[0x01][12-byte nonce][AES-256-GCM ciphertext][16-byte tag]`.
 */
export const CIPHERTEXT_FORMAT_VERSION = 1;

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;
const VERSION_HEADER = Buffer.from([CIPHERTEXT_FORMAT_VERSION]);

/**
 * The only error `open` throws. Its message is the same whatever went wrong, so a caller
 * (or an attacker watching responses) learns nothing about which check failed.
 */
export class DecryptionError extends Error {
  constructor() {
    super('Decryption failed: the ciphertext, its key or its context does not match.');
    this.name = 'DecryptionError';
  }
}

/**
 * Encrypts `plaintext` with AES-256-GCM under a fresh random nonce, binding it to `aad`.
 * The version byte is authenticated too, so a relabelled format cannot decrypt.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new Error(`seal() needs a ${KEY_BYTES}-byte key, got ${key.length} bytes.`);
  }

  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([VERSION_HEADER, aad]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);

  return Buffer.concat([VERSION_HEADER, nonce, ciphertext, cipher.getAuthTag()]);
}

/**
 * Decrypts a value made by `seal` with the same key and `aad`. Throws `DecryptionError`
 * for every failure: wrong key or key length, wrong `aad`, unknown version, truncation
 * or any changed byte.
 */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new DecryptionError();
  }
  if (sealed.length < HEADER_BYTES + TAG_BYTES || sealed[0] !== CIPHERTEXT_FORMAT_VERSION) {
    throw new DecryptionError();
  }

  const nonce = sealed.subarray(1, HEADER_BYTES);
  const ciphertext = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);

  // Node 20 accepts a GCM tag as short as 4 bytes unless authTagLength fixes its length.
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([VERSION_HEADER, aad]));
  decipher.setAuthTag(tag);

  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}
