import { describe, expect, it } from 'vitest';

import { buildChildEnvironment } from '../../src/cli/run/child-environment.js';

describe('buildChildEnvironment', () => {
  it('secret replaces inherited variable', () => {
    const result = buildChildEnvironment({ DB_URL: 'local', HOME: '/root' }, { DB_URL: 'stored', API_KEY: 'k' });

    expect({ ...result.env }).toEqual({ DB_URL: 'stored', HOME: '/root', API_KEY: 'k' });
    expect(result.overridden).toEqual(['DB_URL']);
    expect(result.preserved).toEqual([]);
    expect(result.skipped).toEqual([]);
  });

  it('preserveEnv keeps inherited variable', () => {
    const result = buildChildEnvironment({ DB_URL: 'local' }, { DB_URL: 'stored', API_KEY: 'k' }, { preserveEnv: true });

    expect({ ...result.env }).toEqual({ DB_URL: 'local', API_KEY: 'k' });
    expect(result.overridden).toEqual([]);
    expect(result.preserved).toEqual(['DB_URL']);
  });

  it('counts an empty inherited value as set', () => {
    const result = buildChildEnvironment({ DB_URL: '' }, { DB_URL: 'stored' });

    expect(result.env.DB_URL).toBe('stored');
    expect(result.overridden).toEqual(['DB_URL']);
  });

  it('drops undefined inherited entries', () => {
    const result = buildChildEnvironment({ UNSET: undefined, SET: 'x' }, {});

    expect(Object.keys(result.env)).toEqual(['SET']);
  });

  it('removes TRESOR_TOKEN in every mode', () => {
    for (const preserveEnv of [false, true]) {
      const result = buildChildEnvironment(
        { TRESOR_TOKEN: 'inherited-token', TRESOR_SERVER: 'https://tresor.example.com' },
        { TRESOR_TOKEN: 'stored-token' },
        { preserveEnv },
      );

      expect(Object.hasOwn(result.env, 'TRESOR_TOKEN')).toBe(false);
      expect(result.env.TRESOR_SERVER).toBe('https://tresor.example.com');
      expect(result.skipped).toEqual(['TRESOR_TOKEN']);
    }
  });

  it('skips keys that are not variable names', () => {
    const keys = ['my-key', '1BAD', 'has space', 'a.b', 'PATH=/tmp/evil', '', 'NUL\0NAME', 'X'.repeat(257)];
    const secrets = Object.fromEntries(keys.map((key) => [key, 'value']));

    const result = buildChildEnvironment({ PATH: '/usr/bin' }, secrets);

    expect(result.skipped).toEqual(keys);
    expect({ ...result.env }).toEqual({ PATH: '/usr/bin' });
  });

  it('skips values no environment carries', () => {
    const result = buildChildEnvironment({}, { NUL_VALUE: 'a\0b', LONE_HIGH: 'a\uD800b', LONE_LOW: '\uDC00', PAIR: '🔑' });

    expect(result.skipped).toEqual(['NUL_VALUE', 'LONE_HIGH', 'LONE_LOW']);
    expect({ ...result.env }).toEqual({ PAIR: '🔑' });
  });

  it('passes __proto__ as an ordinary name', () => {
    const secrets: Record<string, string> = JSON.parse('{"__proto__":"value"}');

    const result = buildChildEnvironment({}, secrets);

    expect(Object.keys(result.env)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(result.env, '__proto__')?.value).toBe('value');
  });

  it('leaves the inherited object unchanged', () => {
    const inherited = { DB_URL: 'local', TRESOR_TOKEN: 'token' };

    buildChildEnvironment(inherited, { DB_URL: 'stored' });

    expect(inherited).toEqual({ DB_URL: 'local', TRESOR_TOKEN: 'token' });
  });
});
