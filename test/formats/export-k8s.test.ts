import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { exportSecrets } from '../../src/formats/export.js';
import { FormatError } from '../../src/formats/types.js';

const FAKE_PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'RkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJ',
  'QUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9O',
  'TFkt',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');

const SECRETS = [
  { key: 'DB_USER', value: 'admin' },
  { key: 'DB_PASS', value: 's3cr3t-FAKE' },
  { key: 'EMPTY', value: '' },
  { key: 'TLS_KEY', value: FAKE_PEM },
];

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  type: string;
  data: Record<string, string>;
}

function catchFormatError(action: () => unknown): FormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected a FormatError, but nothing was thrown');
}

describe('exportSecrets as a Kubernetes Secret', () => {
  it('writes a v1 Secret with exact base64', () => {
    const { text } = exportSecrets(SECRETS, 'k8s', { name: 'api-secrets', namespace: 'prod' });

    const manifest = parse(text) as Manifest;

    expect(manifest.apiVersion).toBe('v1');
    expect(manifest.kind).toBe('Secret');
    expect(manifest.metadata).toEqual({ name: 'api-secrets', namespace: 'prod' });
    expect(manifest.type).toBe('Opaque');
    expect(Object.keys(manifest.data)).toEqual(['DB_PASS', 'DB_USER', 'EMPTY', 'TLS_KEY']);
    expect(manifest.data.DB_USER).toBe('YWRtaW4=');
    expect(manifest.data.DB_PASS).toBe('czNjcjN0LUZBS0U=');
    expect(manifest.data.EMPTY).toBe('');
    expect(text).toContain('  DB_USER: YWRtaW4=\n');
    expect(text).toContain('  EMPTY: ""\n');
  });

  it('keeps the PEM on one unwrapped line', () => {
    const { text } = exportSecrets(SECRETS, 'k8s', { name: 'api-secrets' });
    const manifest = parse(text) as Manifest;
    const encoded = manifest.data.TLS_KEY!;

    expect(encoded).toHaveLength(252);
    expect(text.split('\n').filter((line) => line.includes(encoded))).toHaveLength(1);
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(FAKE_PEM);
    for (const value of Object.values(manifest.data)) {
      expect(value).toMatch(BASE64);
    }
  });

  it('puts kind before data', () => {
    const { text } = exportSecrets(SECRETS, 'k8s', { name: 'api-secrets' });

    expect(text.indexOf('kind: Secret')).toBeLessThan(text.indexOf('data:'));
    expect(text.startsWith('apiVersion: v1\nkind: Secret\n')).toBe(true);
    expect(text).not.toContain('namespace');
  });

  it('round-trips nasty values byte for byte', () => {
    const values = ['line\n', '"quoted"', 'grüße 😀', '\r\n', ' lead', '\u2028', '0644'];
    const entries = values.map((value, index) => ({ key: `V${index}`, value }));

    const manifest = parse(exportSecrets(entries, 'k8s', { name: 'nasty' }).text) as Manifest;

    values.forEach((value, index) => {
      expect(Buffer.from(manifest.data[`V${index}`]!, 'base64').toString('utf8')).toBe(value);
    });
  });

  it('quotes names YAML would convert', () => {
    const { text } = exportSecrets([{ key: 'A', value: 'x' }], 'k8s', { name: '1e3', namespace: 'true' });

    const manifest = parse(text, { version: '1.1' }) as Manifest;

    expect(manifest.metadata).toEqual({ name: '1e3', namespace: 'true' });
  });

  it('requires a name', () => {
    for (const options of [{}, { name: '' }]) {
      const error = catchFormatError(() => exportSecrets(SECRETS, 'k8s', options));
      expect(error.message).toContain('--name');
    }
  });

  it('rejects names Kubernetes rejects', () => {
    for (const name of ['API_Secrets', '-leading', 'trailing.', 'a'.repeat(254), 'has space']) {
      const error = catchFormatError(() => exportSecrets(SECRETS, 'k8s', { name }));
      expect(error.message).toContain('--name');
    }

    const error = catchFormatError(() => exportSecrets(SECRETS, 'k8s', { name: 'ok', namespace: 'a.b' }));
    expect(error.message).toContain('--namespace');
  });

  it('writes an empty data map', () => {
    const manifest = parse(exportSecrets([], 'k8s', { name: 'empty' }).text) as Manifest;

    expect(manifest.data).toEqual({});
  });
});
