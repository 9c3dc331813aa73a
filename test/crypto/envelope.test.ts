import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { CIPHERTEXT_FORMAT_VERSION, DecryptionError, open, seal } from '../../src/crypto/envelope.js';

const MESSAGE = 'Decryption failed: the ciphertext, its key or its context does not match.';
const NONCE_OFFSET = 1;
const CIPHERTEXT_OFFSET = 13;
const TAG_BYTES = 16;

const key = randomBytes(32);
const aad = Buffer.from('["tresor/value/v1","app-1","env-1","mod-1","DB_PASSWORD",1,1]');
const plaintext = Buffer.from('correct horse battery staple', 'utf8');

function flipByte(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

function expectDecryptionError(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DecryptionError);
  expect((caught as Error).name).toBe('DecryptionError');
  expect((caught as Error).message).toBe(MESSAGE);
}

describe('seal and open', () => {
  it('round-trips a value', () => {
    const sealed = seal(key, plaintext, aad);

    expect(open(key, sealed, aad)).toEqual(plaintext);
  });

  it('round-trips an empty value', () => {
    const sealed = seal(key, Buffer.alloc(0), aad);

    expect(open(key, sealed, aad)).toEqual(Buffer.alloc(0));
  });

  it('writes version, nonce, ciphertext and tag', () => {
    const sealed = seal(key, plaintext, aad);

    expect(sealed[0]).toBe(CIPHERTEXT_FORMAT_VERSION);
    expect(sealed.length).toBe(1 + 12 + plaintext.length + TAG_BYTES);
    expect(sealed.includes(plaintext)).toBe(false);
  });

  it('uses a fresh nonce per seal', () => {
    const first = seal(key, plaintext, aad);
    const second = seal(key, plaintext, aad);

    expect(first.equals(second)).toBe(false);
    expect(first.subarray(NONCE_OFFSET, CIPHERTEXT_OFFSET).equals(second.subarray(NONCE_OFFSET, CIPHERTEXT_OFFSET))).toBe(false);
  });

  it('rejects a seal key of the wrong length', () => {
    expect(() => seal(randomBytes(16), plaintext, aad)).toThrow(/32-byte key/);
  });
});

describe('open rejects tampering with one error', () => {
  const sealed = seal(key, plaintext, aad);

  it('rejects a changed version byte', () => {
    expectDecryptionError(() => open(key, flipByte(sealed, 0), aad));
  });

  it('rejects an unknown version byte', () => {
    const relabelled = Buffer.from(sealed);
    relabelled[0] = 2;

    expectDecryptionError(() => open(key, relabelled, aad));
  });

  it('rejects a changed nonce', () => {
    expectDecryptionError(() => open(key, flipByte(sealed, NONCE_OFFSET), aad));
    expectDecryptionError(() => open(key, flipByte(sealed, CIPHERTEXT_OFFSET - 1), aad));
  });

  it('rejects a changed ciphertext', () => {
    expectDecryptionError(() => open(key, flipByte(sealed, CIPHERTEXT_OFFSET), aad));
  });

  it('rejects a changed tag', () => {
    expectDecryptionError(() => open(key, flipByte(sealed, sealed.length - TAG_BYTES), aad));
    expectDecryptionError(() => open(key, flipByte(sealed, sealed.length - 1), aad));
  });

  it('rejects every single flipped bit', () => {
    for (let index = 0; index < sealed.length; index += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const changed = Buffer.from(sealed);
        changed[index] = (changed[index] as number) ^ (1 << bit);
        expect(() => open(key, changed, aad), `byte ${index} bit ${bit}`).toThrow(DecryptionError);
      }
    }
  });

  it('rejects truncation at any length', () => {
    for (let length = 0; length < sealed.length; length += 1) {
      expectDecryptionError(() => open(key, sealed.subarray(0, length), aad));
    }
  });

  it('rejects appended bytes', () => {
    expectDecryptionError(() => open(key, Buffer.concat([sealed, Buffer.from([0])]), aad));
  });

  it('rejects a different context', () => {
    const otherAad = Buffer.from('["tresor/value/v1","app-1","env-2","mod-1","DB_PASSWORD",1,1]');

    expectDecryptionError(() => open(key, sealed, otherAad));
    expectDecryptionError(() => open(key, sealed, Buffer.alloc(0)));
  });

  it('rejects a wrong key', () => {
    expectDecryptionError(() => open(randomBytes(32), sealed, aad));
  });

  it('rejects a key of the wrong length', () => {
    expectDecryptionError(() => open(key.subarray(0, 16), sealed, aad));
    expectDecryptionError(() => open(Buffer.alloc(0), sealed, aad));
  });

  it('keeps key and data out of the message', () => {
    try {
      open(randomBytes(32), sealed, aad);
      expect.unreachable('open should have thrown');
    } catch (error) {
      const text = `${String(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
      expect(text).not.toContain(plaintext.toString('utf8'));
      expect(text).not.toContain('DB_PASSWORD');
    }
  });
});
