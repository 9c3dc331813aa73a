import { describe, expect, it } from 'vitest';

import { parseJsonSecrets } from '../../src/formats/import-json.js';
import { FormatError } from '../../src/formats/types.js';

// Pieces of JSON syntax that random texts are built from.
const SYNTAX_PIECES = ['{', '}', '[', ']', '"A"', '"B"', '"x\\n"', '"\\u0041"', ':', ',', ' ', '\n', '1', '-0.5e3', 'null', 'true', '"'];

/** A seeded generator (mulberry32), so a failure can be replayed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
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

describe('parseJsonSecrets', () => {
  it('reads string values exactly', () => {
    const text = JSON.stringify(
      {
        PEM: '-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n',
        JSON_WITH_ESCAPE: '{"msg":"line1\\nline2"}',
        DOLLAR: 'cost$5 ${HOME}',
        EMPTY: '',
        UNICODE: 'grüße 😀',
      },
      null,
      2,
    );

    const result = parseJsonSecrets(text);

    expect(result.entries).toEqual([
      { key: 'PEM', value: '-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n', line: 2 },
      { key: 'JSON_WITH_ESCAPE', value: '{"msg":"line1\\nline2"}', line: 3 },
      { key: 'DOLLAR', value: 'cost$5 ${HOME}', line: 4 },
      { key: 'EMPTY', value: '', line: 5 },
      { key: 'UNICODE', value: 'grüße 😀', line: 6 },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('lists every invalid key in one error', () => {
    const text = '{"GOOD_KEY":"1","my-key":"2","1BAD":"3","has space":"4","a.b":"5"}';

    const error = catchFormatError(() => parseJsonSecrets(text));

    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.problems.map((problem) => problem.key)).toEqual(['my-key', '1BAD', 'has space', 'a.b']);
    for (const key of ['"my-key"', '"1BAD"', '"has space"', '"a.b"']) {
      expect(error.message).toContain(key);
    }
    expect(error.message).not.toContain('GOOD_KEY');
  });

  it('explains that a key cannot hold "="', () => {
    const error = catchFormatError(() => parseJsonSecrets('{"PATH=/tmp/evil":":x"}'));

    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(/must not contain "="/);
    expect(error.message).not.toContain('/tmp/evil');
  });

  it('rejects non-string values naming the key', () => {
    const text = '{\n "PORT": 8080,\n "DEBUG": true,\n "RATIO": 1.0,\n "NOTHING": null,\n "NESTED": {"a": ["b"]},\n "LIST": [1]\n}';

    const error = catchFormatError(() => parseJsonSecrets(text));

    expect(error.problems.map((problem) => [problem.key, problem.line])).toEqual([
      ['PORT', 2],
      ['DEBUG', 3],
      ['RATIO', 4],
      ['NOTHING', 5],
      ['NESTED', 6],
      ['LIST', 7],
    ]);
    expect(error.problems[0]!.message).toMatch(/double quotes/);
    expect(error.problems[3]!.message).toMatch(/Write ""/);
    expect(error.message).not.toContain('8080');
  });

  it('rejects a duplicate key naming both lines', () => {
    const error = catchFormatError(() => parseJsonSecrets('{\n"TOKEN": "first-fake",\n"TOKEN": "second-fake"\n}'));

    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('lines 2 and 3');
    expect(error.message).not.toContain('fake');
  });

  it('treats escaped and plain keys as one', () => {
    const error = catchFormatError(() => parseJsonSecrets('{"KEY":"a","\\u004bEY":"b"}'));

    expect(error.problems[0]!.key).toBe('KEY');
  });

  it('rejects invalid JSON without quoting it', () => {
    const cases = [
      '{"A": "secret-fake" "B": "x"}',
      '{"A": "secret-fake",}',
      '["secret-fake"]',
      '{"A": "secret-fake"} trailing',
      '{"A": "unclosed-fake',
      '{"A": 0644}',
      '{"A": "tab\there-fake"}',
    ];
    for (const text of cases) {
      const error = catchFormatError(() => parseJsonSecrets(text));
      expect(error.message).not.toContain('fake');
      expect(error.problems[0]!.line).toBe(1);
    }
  });

  it('locates a syntax error by line and column', () => {
    const error = catchFormatError(() => parseJsonSecrets('{\n  "A": "x"\n  "B": "y"\n}'));

    expect(error.message).toContain('Line 3, column 3');
  });

  it('rejects an unpaired surrogate escape', () => {
    const error = catchFormatError(() => parseJsonSecrets('{"A": "x\\ud800y"}'));

    expect(error.problems[0]!.key).toBe('A');
  });

  it('strips a byte order mark with a warning', () => {
    const result = parseJsonSecrets('\uFEFF{"A": "1"}');

    expect(result.entries).toEqual([{ key: 'A', value: '1', line: 1 }]);
    expect(result.warnings).toHaveLength(1);
  });

  it('agrees with JSON.parse on random texts', () => {
    const random = createRandom(4242);
    let accepted = 0;
    for (let round = 0; round < 20000; round += 1) {
      let text = '{';
      const pieces = Math.floor(random() * 10);
      for (let index = 0; index < pieces; index += 1) {
        text += SYNTAX_PIECES[Math.floor(random() * SYNTAX_PIECES.length)];
      }

      let entries: Array<{ key: string; value: string }>;
      try {
        entries = parseJsonSecrets(text).entries;
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
        continue;
      }
      accepted += 1;
      expect(JSON.parse(text)).toEqual(Object.fromEntries(entries.map(({ key, value }) => [key, value])));
    }

    expect(accepted).toBeGreaterThan(100);
  });

  it('reads an empty object as no entries', () => {
    expect(parseJsonSecrets(' {} \n')).toEqual({ entries: [], warnings: [] });
  });
});
