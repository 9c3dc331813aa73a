import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';

import { exportSecrets } from '../../src/formats/export.js';
import { parseDotenv } from '../../src/formats/import-dotenv.js';
import { FormatError, type SecretEntry } from '../../src/formats/types.js';

const TRICKY_VALUES: Record<string, string> = {
  PEM: '-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n',
  JSON_WITH_ESCAPE: '{"msg":"line1\\nline2"}',
  WIN_PATH: 'C:\\Users\\svc\\app',
  TRAILING_BS: 'C:\\temp\\',
  REGEX: '^\\d+\\s*$',
  QUOTES: 'he said "hi" and it\'s fine',
  BANG: 'a!b',
  HASH: 'x #y',
  SPACES: '  padded  ',
  DOLLAR: 'cost$5 ${HOME} `id`',
  TAB: 'a\tb',
  CR: 'a\rb',
  EMPTY: '',
};

const EXPECTED_TEXT = [
  "BANG='a!b'",
  'CR="a\\rb"',
  "DOLLAR='cost$5 ${HOME} `id`'",
  "EMPTY=''",
  "HASH='x #y'",
  'JSON_WITH_ESCAPE=\'{"msg":"line1\\nline2"}\'',
  "PEM='-----BEGIN PRIVATE KEY-----",
  'RkFLRQ==',
  '-----END PRIVATE KEY-----',
  "'",
  'QUOTES=`he said "hi" and it\'s fine`',
  "REGEX='^\\d+\\s*$'",
  "SPACES='  padded  '",
  "TAB='a\tb'",
  "TRAILING_BS='C:\\temp\\'",
  "WIN_PATH='C:\\Users\\svc\\app'",
  '',
].join('\n');

// Characters that each matter to some quoting rule, plus a few that should not matter.
const NASTY_ALPHABET = ["'", '"', '`', '\\', '\n', '\r', '#', ' ', '\t', '$', '{', '=', '!', 'n', 'r', 'a', 'é', '😀', '\u2028', '\0'];

function entriesOf(values: Record<string, string>): SecretEntry[] {
  return Object.entries(values).map(([key, value]) => ({ key, value }));
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

function randomNastyString(random: () => number): string {
  const length = Math.floor(random() * 9);
  let text = '';
  for (let index = 0; index < length; index += 1) {
    text += NASTY_ALPHABET[Math.floor(random() * NASTY_ALPHABET.length)];
  }
  return text;
}

/** Exports the map and checks that dotenv reads back every value, or that the export threw. */
function expectExactOrRejected(values: Record<string, string>): 'exact' | 'rejected' {
  let text: string;
  try {
    text = exportSecrets(entriesOf(values), 'env').text;
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return 'rejected';
  }
  expect(dotenv.parse(text)).toEqual(values);
  return 'exact';
}

describe('exportSecrets as .env', () => {
  it('writes the expected quoting', () => {
    const result = exportSecrets(entriesOf(TRICKY_VALUES), 'env');

    expect(result.text).toBe(EXPECTED_TEXT);
    expect(result.warnings).toEqual([]);
  });

  it('reads back exactly with dotenv', () => {
    const { text } = exportSecrets(entriesOf(TRICKY_VALUES), 'env');

    const parsed = dotenv.parse(text);

    expect(Object.keys(parsed)).toHaveLength(13);
    expect(parsed).toEqual(TRICKY_VALUES);
  });

  it('reads back exactly with the importer', () => {
    const { text } = exportSecrets(entriesOf(TRICKY_VALUES), 'env');

    const imported = parseDotenv(text);

    expect(Object.fromEntries(imported.entries.map(({ key, value }) => [key, value]))).toEqual(TRICKY_VALUES);
    expect(imported.warnings).toEqual([]);
  });

  it('never escapes an exclamation mark', () => {
    const { text } = exportSecrets([{ key: 'BANG', value: 'a!b' }], 'env');

    expect(text).toBe("BANG='a!b'\n");
    expect(text).not.toContain('\\');
  });

  it('rejects a value with all three quotes', () => {
    const entries = [
      { key: 'FINE', value: 'ok' },
      { key: 'IMPOSSIBLE', value: 'x\'y"z`w' },
    ];

    const error = catchFormatError(() => exportSecrets(entries, 'env'));

    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.key).toBe('IMPOSSIBLE');
    expect(error.message).toContain('--format json');
    expect(error.message).not.toContain('x\'y"z');
    expect(exportSecrets(entries, 'json').text).toContain('IMPOSSIBLE');
  });

  it('rejects values double quotes would change', () => {
    const cases = ['cr\rand "quote"', 'cr\rand \\n text', 'cr\rand \\r text'];
    for (const value of cases) {
      const error = catchFormatError(() => exportSecrets([{ key: 'ODD', value }], 'env'));
      expect(error.problems[0]!.key).toBe('ODD');
    }
  });

  it('leaves out what it cannot write when asked', () => {
    const entries = [
      { key: 'A', value: '1' },
      { key: 'IMPOSSIBLE', value: '\'"`' },
      { key: 'Z', value: '2' },
    ];

    const result = exportSecrets(entries, 'env', { skipUnrepresentable: true });

    expect(result.text).toBe("A='1'\nZ='2'\n");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.key).toBe('IMPOSSIBLE');
  });

  it('closes a trailing backslash before a comment-like value', () => {
    const values = { A: 'x\\', B: '#starts-with-hash', C: ' # spaced' };

    expect(expectExactOrRejected(values)).toBe('exact');
  });

  it('rejects a trailing backslash no quote can close', () => {
    // Only double quotes fit both values, and B's opening quote looks like A's end.
    const values = { A: 'it\'s`\\', B: "#'`" };

    const error = catchFormatError(() => exportSecrets(entriesOf(values), 'env'));

    expect(error.problems[0]!.key).toBe('A');
  });

  it('rejects a key named __proto__', () => {
    const error = catchFormatError(() => exportSecrets([{ key: '__proto__', value: 'x' }], 'env'));

    expect(error.problems[0]!.key).toBe('__proto__');
  });

  it('round-trips random nasty values or rejects them', () => {
    const random = createRandom(20240611);
    const outcomes = { exact: 0, rejected: 0 };
    for (let round = 0; round < 3000; round += 1) {
      outcomes[expectExactOrRejected({ VALUE: randomNastyString(random) })] += 1;
    }

    // Most random values are representable. The rest must be rejected, never misread.
    expect(outcomes.exact).toBeGreaterThan(outcomes.rejected);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('round-trips random maps or rejects them', () => {
    const random = createRandom(7);
    for (let round = 0; round < 1500; round += 1) {
      const values: Record<string, string> = {};
      const count = 2 + Math.floor(random() * 4);
      for (let index = 0; index < count; index += 1) {
        values[`K${index}`] = randomNastyString(random);
      }
      expectExactOrRejected(values);
    }
  });

  it('round-trips random values through the importer', () => {
    const random = createRandom(99);
    for (let round = 0; round < 1500; round += 1) {
      const values = { FIRST: randomNastyString(random), SECOND: randomNastyString(random) };
      let text: string;
      try {
        text = exportSecrets(entriesOf(values), 'env').text;
      } catch {
        continue;
      }
      const imported = parseDotenv(text);
      expect(Object.fromEntries(imported.entries.map(({ key, value }) => [key, value]))).toEqual(values);
    }
  });
});
