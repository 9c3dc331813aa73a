import { describe, expect, it } from 'vitest';

import { dataKeyContext, valueContext } from '../../src/crypto/context.js';

const valueIds = {
  appId: 'app-1',
  environmentId: 'env-1',
  moduleId: 'mod-1',
  key: 'DB_PASSWORD',
  version: 3,
  dataKeyVersion: 1,
};

const dataKeyIds = { appId: 'app-1', environmentId: 'env-1', moduleId: 'mod-1', dataKeyVersion: 1 };

describe('valueContext', () => {
  it('is stable for the same ids', () => {
    expect(valueContext({ ...valueIds }).equals(valueContext({ ...valueIds }))).toBe(true);
  });

  it('differs when any one id differs', () => {
    const base = valueContext(valueIds);
    const variants = [
      { ...valueIds, appId: 'app-2' },
      { ...valueIds, environmentId: 'env-2' },
      { ...valueIds, moduleId: 'mod-2' },
      { ...valueIds, key: 'DB_PASSWORD_2' },
      { ...valueIds, version: 4 },
      { ...valueIds, dataKeyVersion: 2 },
    ];

    for (const variant of variants) {
      expect(valueContext(variant).equals(base), JSON.stringify(variant)).toBe(false);
    }
  });

  it('keeps ids apart when separators are moved', () => {
    const first = valueContext({ ...valueIds, appId: 'a,b', environmentId: 'c' });
    const second = valueContext({ ...valueIds, appId: 'a', environmentId: 'b,c' });
    const quoted = valueContext({ ...valueIds, appId: 'a","b', environmentId: 'c' });

    expect(first.equals(second)).toBe(false);
    expect(first.equals(quoted)).toBe(false);
    expect(second.equals(quoted)).toBe(false);
  });

  it('differs from the data key context', () => {
    const asValue = valueContext(valueIds).toString('utf8');
    const asDataKey = dataKeyContext(dataKeyIds).toString('utf8');

    expect(asValue).not.toBe(asDataKey);
    expect(asValue.startsWith('["tresor/value/v1"')).toBe(true);
    expect(asDataKey.startsWith('["tresor/data-key/v1"')).toBe(true);
  });

  it('rejects versions JSON cannot encode exactly', () => {
    expect(() => valueContext({ ...valueIds, version: Number.NaN })).toThrow(/version/);
    expect(() => valueContext({ ...valueIds, version: Number.POSITIVE_INFINITY })).toThrow(/version/);
    expect(() => valueContext({ ...valueIds, version: 1.5 })).toThrow(/version/);
    expect(() => valueContext({ ...valueIds, dataKeyVersion: -1 })).toThrow(/dataKeyVersion/);
  });
});

describe('dataKeyContext', () => {
  it('differs when any one id differs', () => {
    const base = dataKeyContext(dataKeyIds);
    const variants = [
      { ...dataKeyIds, appId: 'app-2' },
      { ...dataKeyIds, environmentId: 'env-2' },
      { ...dataKeyIds, moduleId: 'mod-2' },
      { ...dataKeyIds, dataKeyVersion: 2 },
    ];

    for (const variant of variants) {
      expect(dataKeyContext(variant).equals(base), JSON.stringify(variant)).toBe(false);
    }
  });
});
