import { describe, expect, it } from 'vitest';

import { parseYamlSecrets } from '../../src/formats/import-yaml.js';
import { FormatError } from '../../src/formats/types.js';

function catchFormatError(action: () => unknown): FormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected a FormatError, but nothing was thrown');
}

describe('parseYamlSecrets', () => {
  it('reads quoted, plain and block strings', () => {
    const text = [
      'MODE: "0644"',
      "ENABLED: 'yes'",
      'GREETING: hello world',
      'PEM: |',
      '  -----BEGIN PRIVATE KEY-----',
      '  RkFLRQ==',
      '  -----END PRIVATE KEY-----',
      'EMPTY: ""',
      'UNICODE: "grüße 😀"',
      'DOLLAR: cost$5 ${HOME}',
      '',
    ].join('\n');

    const result = parseYamlSecrets(text);

    expect(result.entries).toEqual([
      { key: 'MODE', value: '0644', line: 1 },
      { key: 'ENABLED', value: 'yes', line: 2 },
      { key: 'GREETING', value: 'hello world', line: 3 },
      { key: 'PEM', value: '-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n', line: 4 },
      { key: 'EMPTY', value: '', line: 8 },
      { key: 'UNICODE', value: 'grüße 😀', line: 9 },
      { key: 'DOLLAR', value: 'cost$5 ${HOME}', line: 10 },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('rejects unquoted values a reader converts', () => {
    const cases: Array<[string, RegExp]> = [
      ['PORT: 8080', /a number/],
      ['MODE: 0644', /a number/],
      ['RATIO: 1e3', /a number/],
      ['DEBUG: true', /a boolean/],
      ['NOTHING: null', /Write ""/],
      ['TILDE: ~', /Write ""/],
      ['MISSING:', /Write ""/],
      ['ENABLED: yes', /YAML 1\.1/],
      ['SWITCH: on', /YAML 1\.1/],
      ['SHORT: n', /YAML 1\.1/],
      ['DAY: 2001-12-14', /YAML 1\.1/],
      ['DURATION: 1:20', /YAML 1\.1/],
      ['HEX: 0x1F', /a number/],
      ['NESTED:\n  a: b', /mapping/],
      ['LIST: [a, b]', /list/],
    ];
    for (const [text, reason] of cases) {
      const error = catchFormatError(() => parseYamlSecrets(text));
      const key = text.slice(0, text.indexOf(':'));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]!.key).toBe(key);
      expect(error.problems[0]!.line).toBe(1);
      expect(error.message).toMatch(reason);
    }
  });

  it('lists every problem at once', () => {
    const text = 'GOOD: "1"\nmy-key: "2"\nPORT: 80\n1BAD: "3"\n';

    const error = catchFormatError(() => parseYamlSecrets(text));

    expect(error.problems.map((problem) => [problem.key, problem.line])).toEqual([
      ['my-key', 2],
      ['PORT', 3],
      ['1BAD', 4],
    ]);
  });

  it('rejects a duplicate key naming both lines', () => {
    const error = catchFormatError(() => parseYamlSecrets('TOKEN: first-fake\nOTHER: x\nTOKEN: second-fake\n'));

    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('lines 1 and 3');
    expect(error.message).not.toContain('fake');
  });

  it('rejects keys that are not names', () => {
    const error = catchFormatError(() => parseYamlSecrets('123: "x"\n[a]: "y"\n'));

    expect(error.problems.map((problem) => problem.line)).toEqual([1, 2]);
    expect(error.message).toContain('"123"');
  });

  it('rejects invalid YAML without quoting it', () => {
    const error = catchFormatError(() => parseYamlSecrets('A: "secret-fake\nB: [other-fake\n'));

    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).not.toContain('fake');
  });

  it('rejects a document that is not a mapping', () => {
    const error = catchFormatError(() => parseYamlSecrets('- a\n- b\n'));

    expect(error.message).toMatch(/mapping/);
  });

  it('follows an alias to a string', () => {
    const result = parseYamlSecrets('FIRST: &shared "same"\nSECOND: *shared\n');

    expect(result.entries.map((entry) => entry.value)).toEqual(['same', 'same']);
  });

  it('reads an empty file as no entries', () => {
    expect(parseYamlSecrets('')).toEqual({ entries: [], warnings: [] });
    expect(parseYamlSecrets('# nothing here\n')).toEqual({ entries: [], warnings: [] });
  });
});
