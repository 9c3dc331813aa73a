import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';

import { exportSecrets } from '../../src/formats/export.js';
import { parseJsonSecrets } from '../../src/formats/import-json.js';
import { parseYamlSecrets } from '../../src/formats/import-yaml.js';
import { FormatError, type SecretEntry } from '../../src/formats/types.js';

const NASTY_VALUES: Record<string, string> = {
  MODE: '0644',
  ENABLED: 'yes',
  SWITCH: 'on',
  NOTHING: 'null',
  THOUSAND: '1e3',
  DAY: '2001-12-14',
  MULTI: 'line1\nline2\n',
  LEADING: '   leading spaces',
  UNICODE: 'grüße 😀 中文',
  QUOTES: 'he said "hi" and it\'s fine',
  BACKSLASH: 'C:\\temp\\',
  CONTROL: 'bell\u0007 del\u007f c1\u0085\u009f sep\u2028\u2029 bom\ufeff tab\t cr\r',
  COMMENT: '# not a comment',
  EMPTY: '',
  yes: 'a key YAML 1.1 reads as true',
  null: 'a key YAML reads as null',
};

function entriesOf(values: Record<string, string>): SecretEntry[] {
  return Object.entries(values).map(([key, value]) => ({ key, value }));
}

function valuesOf(entries: ReadonlyArray<{ key: string; value: string }>): Record<string, string> {
  return Object.fromEntries(entries.map(({ key, value }) => [key, value]));
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

describe('exportSecrets as JSON', () => {
  it('writes sorted pretty JSON with a final newline', () => {
    const result = exportSecrets(
      [
        { key: 'B', value: '2' },
        { key: 'A', value: 'line\n"quoted"' },
        { key: 'EMPTY', value: '' },
      ],
      'json',
    );

    expect(result.text).toBe('{\n  "A": "line\\n\\"quoted\\"",\n  "B": "2",\n  "EMPTY": ""\n}\n');
    expect(result.warnings).toEqual([]);
  });

  it('round-trips through the importer', () => {
    const { text } = exportSecrets(entriesOf(NASTY_VALUES), 'json');

    expect(valuesOf(parseJsonSecrets(text).entries)).toEqual(NASTY_VALUES);
  });

  it('writes an empty object for no secrets', () => {
    expect(exportSecrets([], 'json').text).toBe('{}\n');
  });
});

describe('exportSecrets as YAML', () => {
  it('quotes every value', () => {
    const { text } = exportSecrets(entriesOf(NASTY_VALUES), 'yaml');

    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^("[^"]+"|[A-Za-z_][A-Za-z0-9_]*): ".*"$/);
    }
    expect(text).toContain('MODE: "0644"\n');
    expect(text).toContain('"yes": ');
    expect(text).toContain('"null": ');
  });

  it('reads back the same strings with YAML 1.2 and 1.1', () => {
    const { text } = exportSecrets(entriesOf(NASTY_VALUES), 'yaml');

    expect(parse(text)).toEqual(NASTY_VALUES);
    expect(parse(text, { version: '1.1' })).toEqual(NASTY_VALUES);
  });

  it('writes only printable characters on one line each', () => {
    const { text } = exportSecrets(entriesOf(NASTY_VALUES), 'yaml');

    expect(text.split('\n')).toHaveLength(Object.keys(NASTY_VALUES).length + 1);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/);
    expect(text).toContain('grüße 😀 中文');
    expect(text).toContain('"   leading spaces"');
  });

  it('round-trips through the importer', () => {
    const { text } = exportSecrets(entriesOf(NASTY_VALUES), 'yaml');

    const imported = parseYamlSecrets(text);

    expect(valuesOf(imported.entries)).toEqual(NASTY_VALUES);
    expect(imported.warnings).toEqual([]);
  });

  it('keeps a key named __proto__', () => {
    const { text } = exportSecrets([{ key: '__proto__', value: 'x' }], 'yaml');

    const pairs = parseDocument(text).toJSON() as Record<string, unknown>;

    expect(Object.hasOwn(pairs, '__proto__')).toBe(true);
  });

  it('writes an empty mapping for no secrets', () => {
    expect(exportSecrets([], 'yaml').text).toBe('{}\n');
  });
});

describe('exportSecrets input checks', () => {
  it('rejects invalid and repeated keys in every format', () => {
    const entries = [
      { key: 'my-key', value: 'x' },
      { key: 'A', value: '1' },
      { key: 'A', value: '2' },
    ];
    for (const format of ['env', 'json', 'yaml', 'k8s', 'docker'] as const) {
      const error = catchFormatError(() => exportSecrets(entries, format, { name: 'n' }));
      expect(error.problems.map((problem) => problem.key)).toEqual(['my-key', 'A']);
    }
  });

  it('rejects an unpaired surrogate naming the key', () => {
    const error = catchFormatError(() => exportSecrets([{ key: 'BROKEN', value: 'a\ud800b' }], 'json'));

    expect(error.problems[0]!.key).toBe('BROKEN');
  });

  it('sorts keys by code unit', () => {
    const entries = [
      { key: 'b', value: '1' },
      { key: 'B', value: '2' },
      { key: '_x', value: '3' },
      { key: 'A', value: '4' },
    ];

    expect(exportSecrets(entries, 'docker').text).toBe('A=4\nB=2\n_x=3\nb=1\n');
  });
});
