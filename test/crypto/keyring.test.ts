import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { dataKeyContext } from '../../src/crypto/context.js';
import { DecryptionError, open } from '../../src/crypto/envelope.js';
import { Keyring } from '../../src/crypto/keyring.js';

const context = dataKeyContext({ appId: 'app-1', environmentId: 'env-1', moduleId: 'mod-1', dataKeyVersion: 1 });

describe('Keyring', () => {
  it('wraps and unwraps a data key', () => {
    const keyring = new Keyring([randomBytes(32)]);
    const dataKey = keyring.generateDataKey();

    const { rootKeyId, wrapped } = keyring.wrapDataKey(dataKey, context);

    expect(rootKeyId).toBe(keyring.primaryKeyId);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(keyring.unwrapDataKey(rootKeyId, wrapped, context)).toEqual(dataKey);
  });

  it('generates distinct 32-byte data keys', () => {
    const keyring = new Keyring([randomBytes(32)]);
    const first = keyring.generateDataKey();
    const second = keyring.generateDataKey();

    expect(first.length).toBe(32);
    expect(first.equals(second)).toBe(false);
  });

  it('derives a stable, short, non-secret key id', () => {
    const rootKey = randomBytes(32);
    const keyring = new Keyring([rootKey]);

    expect(keyring.primaryKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(new Keyring([Buffer.from(rootKey)]).primaryKeyId).toBe(keyring.primaryKeyId);
    expect(rootKey.toString('hex')).not.toContain(keyring.primaryKeyId);
    expect(new Keyring([randomBytes(32)]).primaryKeyId).not.toBe(keyring.primaryKeyId);
  });

  it('unwraps with an older key in the ring', () => {
    const oldRootKey = randomBytes(32);
    const before = new Keyring([oldRootKey]);
    const dataKey = before.generateDataKey();
    const stored = before.wrapDataKey(dataKey, context);

    const after = new Keyring([randomBytes(32), oldRootKey]);

    expect(after.primaryKeyId).not.toBe(stored.rootKeyId);
    expect(after.keyIds).toEqual([after.primaryKeyId, stored.rootKeyId]);
    expect(after.unwrapDataKey(stored.rootKeyId, stored.wrapped, context)).toEqual(dataKey);
    expect(after.wrapDataKey(dataKey, context).rootKeyId).toBe(after.primaryKeyId);
  });

  it('rejects an unknown root key id', () => {
    const writer = new Keyring([randomBytes(32)]);
    const stored = writer.wrapDataKey(writer.generateDataKey(), context);
    const reader = new Keyring([randomBytes(32)]);

    expect(() => reader.unwrapDataKey(stored.rootKeyId, stored.wrapped, context)).toThrow(DecryptionError);
    expect(() => reader.unwrapDataKey('', stored.wrapped, context)).toThrow(DecryptionError);
  });

  it('rejects a wrapped key under another context', () => {
    const keyring = new Keyring([randomBytes(32)]);
    const stored = keyring.wrapDataKey(keyring.generateDataKey(), context);
    const otherContext = dataKeyContext({ appId: 'app-1', environmentId: 'env-2', moduleId: 'mod-1', dataKeyVersion: 1 });

    expect(() => keyring.unwrapDataKey(stored.rootKeyId, stored.wrapped, otherContext)).toThrow(DecryptionError);
  });

  it('never wraps with the root key itself', () => {
    const rootKey = randomBytes(32);
    const keyring = new Keyring([rootKey]);
    const stored = keyring.wrapDataKey(keyring.generateDataKey(), context);

    expect(() => open(rootKey, stored.wrapped, context)).toThrow(DecryptionError);
  });

  it('rejects malformed root keys', () => {
    const rootKey = randomBytes(32);

    expect(() => new Keyring([])).toThrow(/at least one root key/);
    expect(() => new Keyring([randomBytes(16)])).toThrow(/Root key 0 is 16 bytes/);
    expect(() => new Keyring([rootKey, Buffer.from(rootKey)])).toThrow(/Root key 1 repeats/);
  });

  it('rejects a data key of the wrong length', () => {
    const keyring = new Keyring([randomBytes(32)]);

    expect(() => keyring.wrapDataKey(randomBytes(16), context)).toThrow(/32 bytes/);
  });
});

describe('Keyring.fingerprint', () => {
  it('matches for equal values', () => {
    const keyring = new Keyring([randomBytes(32)]);

    expect(keyring.fingerprint('s3cr3t-value')).toBe(keyring.fingerprint('s3cr3t-value'));
    expect(keyring.fingerprint('s3cr3t-value')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for different values', () => {
    const keyring = new Keyring([randomBytes(32)]);

    expect(keyring.fingerprint('s3cr3t-value')).not.toBe(keyring.fingerprint('s3cr3t-value '));
    expect(keyring.fingerprint('')).not.toBe(keyring.fingerprint(' '));
  });

  it('is not a plain SHA-256 of the value', () => {
    const keyring = new Keyring([randomBytes(32)]);
    const value = 's3cr3t-value';

    expect(keyring.fingerprint(value)).not.toBe(createHash('sha256').update(value, 'utf8').digest('hex'));
  });

  it('depends on the primary root key', () => {
    const oldRootKey = randomBytes(32);
    const before = new Keyring([oldRootKey]);
    const after = new Keyring([randomBytes(32), oldRootKey]);

    expect(after.fingerprint('s3cr3t-value')).not.toBe(before.fingerprint('s3cr3t-value'));
  });
});
