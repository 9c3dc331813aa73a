import { createHash } from 'node:crypto';

import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';

import { parseDotenv } from '../../src/formats/import-dotenv.js';
import { FormatError, type ImportResult } from '../../src/formats/types.js';

const FAKE_PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'RkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJ',
  'QUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9O',
  'TFkt',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');

// Pieces of .env syntax that random files are built from.
const SYNTAX_PIECES = ['A=', 'B=', 'C: ', 'export ', "'", '"', '`', '#', ' ', '\n', '\r\n', '\\', 'x', '=', '$', 'my-key='];

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

function valuesOf(result: ImportResult): Record<string, string> {
  return Object.fromEntries(result.entries.map(({ key, value }) => [key, value]));
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

describe('parseDotenv', () => {
  it('reads multi-line quoted values exactly', () => {
    const serviceAccount =
      '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nRkFLRQ==\\n-----END PRIVATE KEY-----\\n"}';
    const text = `BEFORE=1\nTLS_KEY="${FAKE_PEM}"\nSA_JSON='${serviceAccount}'\nAFTER=2\n`;

    const result = parseDotenv(text);

    expect(result.entries.map((entry) => entry.key)).toEqual(['BEFORE', 'TLS_KEY', 'SA_JSON', 'AFTER']);
    const values = valuesOf(result);
    expect(values.BEFORE).toBe('1');
    expect(values.AFTER).toBe('2');
    expect(Buffer.byteLength(values.TLS_KEY!, 'utf8')).toBe(189);
    expect(createHash('sha256').update(values.TLS_KEY!).digest('hex')).toBe(
      'b128cdd6b76c7d835eccd2a088ffd515715710503a3f3f91000b02adf80208b3',
    );
    expect(values.SA_JSON).toBe(serviceAccount);
    expect(JSON.parse(values.SA_JSON!).private_key).toBe(
      '-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n',
    );
    expect(result.entries.map((entry) => entry.line)).toEqual([1, 2, 8, 9]);
    expect(result.warnings).toEqual([]);
  });

  it('strips export only as a whole word', () => {
    const text =
      'export API_URL=https://api.example.internal\nexport   SPACED=two\nexport port_number=8000\n' +
      'exporter=not-a-prefix\nexport_FLAG=yes\n\texport TABBED=3\n';

    const result = parseDotenv(text);

    expect(valuesOf(result)).toEqual({
      API_URL: 'https://api.example.internal',
      SPACED: 'two',
      port_number: '8000',
      exporter: 'not-a-prefix',
      export_FLAG: 'yes',
      TABBED: '3',
    });
    expect(result.entries).toHaveLength(6);
    expect(result.warnings).toEqual([]);
  });

  it('keeps dollar signs literal', () => {
    const text = [
      'PG_PASSWORD="ab$defgh@jk"',
      "PASS2='pa$$word@'",
      'BCRYPT=$2b$10$FAKEFAKEFAKEFAKEFAKEFAKEuFAKEFAKEFAKEFAKEFAKEFAKEFAK',
      'DB_URL=postgres://app:pw@db.example.internal:5432/app?schema=s$1234',
      'REGEX=/^${HOST}(:[0-9]+)?$/',
      '',
    ].join('\n');
    const expected = {
      PG_PASSWORD: 'ab$defgh@jk',
      PASS2: 'pa$$word@',
      BCRYPT: '$2b$10$FAKEFAKEFAKEFAKEFAKEFAKEuFAKEFAKEFAKEFAKEFAKEFAKEFAK',
      DB_URL: 'postgres://app:pw@db.example.internal:5432/app?schema=s$1234',
      REGEX: '/^${HOST}(:[0-9]+)?$/',
    };

    expect(valuesOf(parseDotenv(text))).toEqual(expected);

    const previousHost = process.env.HOST;
    process.env.HOST = 'evil.example.internal';
    try {
      expect(valuesOf(parseDotenv(text))).toEqual(expected);
    } finally {
      if (previousHost === undefined) {
        delete process.env.HOST;
      } else {
        process.env.HOST = previousHost;
      }
    }
  });

  it('reads empty values and skips a bare word', () => {
    const result = parseDotenv("A=\nB=\"\"\nC=''\nD=   \nE\n");

    expect(valuesOf(result)).toEqual({ A: '', B: '', C: '', D: '' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.line).toBe(5);
    expect(result.warnings[0]!.message).toMatch(/Line 5\b/);
  });

  it('rejects an invalid key naming it and its line', () => {
    const error = catchFormatError(() => parseDotenv('GOOD_KEY=1\nmy-key=2\n'));

    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.line).toBe(2);
    expect(error.message).toContain('"my-key"');
    expect(error.message).toContain('Line 2');
  });

  it('lists every invalid key at once', () => {
    const error = catchFormatError(() => parseDotenv('a.b=1\nOK=2\n1BAD=3\nhas space=4\n'));

    expect(error.problems.map((problem) => problem.line)).toEqual([1, 3, 4]);
    expect(error.message).toContain('"a.b"');
    expect(error.message).toContain('"1BAD"');
    expect(error.message).toContain('"has space"');
  });

  it('hides a key candidate that may be a value', () => {
    const secretFragment = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7/+x';
    const error = catchFormatError(() => parseDotenv(`TLS=-----BEGIN\n${secretFragment}==\n`));

    expect(error.problems[0]!.line).toBe(2);
    expect(error.message).not.toContain(secretFragment.slice(0, 12));
  });

  it('hides a key candidate in quote errors', () => {
    const error = catchFormatError(() => parseDotenv('postgres://app:pw-fake@db/app?x="unclosed\n'));

    expect(error.problems.map((problem) => problem.key)).toEqual([undefined, undefined]);
    expect(error.message).not.toContain('pw-fake');
  });

  it('rejects a duplicate key naming both lines', () => {
    const error = catchFormatError(() => parseDotenv('TOKEN=first-fake\nOTHER=x\nTOKEN=second-fake\n'));

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.key).toBe('TOKEN');
    expect(error.message).toContain('lines 1 and 3');
    expect(error.message).not.toContain('first-fake');
    expect(error.message).not.toContain('second-fake');
  });

  it('warns when # cuts an unquoted value', () => {
    const result = parseDotenv('PASSWORD=abc #def\nHASHED=x#y\nPLAIN=ok # comment\nQUOTED="a #b"\n');

    expect(valuesOf(result)).toEqual({ PASSWORD: 'abc', HASHED: 'x', PLAIN: 'ok', QUOTED: 'a #b' });
    expect(result.warnings.map((warning) => warning.key)).toEqual(['PASSWORD', 'HASHED', 'PLAIN']);
    for (const warning of result.warnings) {
      expect(warning.message).not.toContain('def');
    }
  });

  it('strips a byte order mark with a warning', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('KEY=value\n')]);

    const result = parseDotenv(bytes);

    expect(valuesOf(result)).toEqual({ KEY: 'value' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.message).toMatch(/byte order mark/);
  });

  it('reads CRLF as LF and warns once', () => {
    const result = parseDotenv('A=1\r\nB="x\r\ny"\r\nC=3\r\n');

    expect(valuesOf(result)).toEqual({ A: '1', B: 'x\ny', C: '3' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.message).toMatch(/CRLF/);
  });

  it('rejects invalid UTF-8 naming the line', () => {
    const bytes = Buffer.concat([Buffer.from('A=1\nB='), Buffer.from([0xc3, 0x28]), Buffer.from('\nC=3\n')]);

    const error = catchFormatError(() => parseDotenv(bytes));

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.line).toBe(2);
    expect(error.message).toMatch(/UTF-8/);
  });

  it('reads quoting like dotenv', () => {
    const text = [
      "SINGLE='a\\nb'",
      'DOUBLE="a\\nb"',
      'BACKTICK=`say "hi" it\'s`',
      "  SPACED_KEY =  'kept  '  # comment",
      "TRAILING_BS='C:\\temp\\'",
      "NEXT='x'",
      '',
    ].join('\n');

    expect(valuesOf(parseDotenv(text))).toEqual({
      SINGLE: 'a\\nb',
      DOUBLE: 'a\nb',
      BACKTICK: 'say "hi" it\'s',
      SPACED_KEY: 'kept  ',
      TRAILING_BS: 'C:\\temp\\',
      NEXT: 'x',
    });
  });

  it('warns about a quote inside its own quotes', () => {
    const result = parseDotenv("NAME='it's'\nESCAPED=\"a\\\"b\"\n");

    expect(valuesOf(result)).toEqual({ NAME: "it's", ESCAPED: 'a\\"b' });
    expect(result.warnings.map((warning) => warning.key)).toEqual(['NAME', 'ESCAPED']);
  });

  it('rejects a quote that is never closed', () => {
    const error = catchFormatError(() => parseDotenv('A=1\nB="unclosed-fake\nC=3\n'));

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.line).toBe(2);
    expect(error.problems[0]!.key).toBe('B');
    expect(error.message).not.toContain('unclosed-fake');
  });

  it('rejects the KEY: value form', () => {
    const error = catchFormatError(() => parseDotenv('A=1\nNOTE: something\n'));

    expect(error.problems[0]!.line).toBe(2);
    expect(error.message).toMatch(/KEY=value/);
  });

  it('rejects what dotenv joins across lines', () => {
    const error = catchFormatError(() => parseDotenv('A=\n"quoted-fake"\nB=2\n'));

    expect(error.problems.some((problem) => problem.key === 'A')).toBe(true);
    expect(error.message).not.toContain('quoted-fake');
  });

  it('rejects a key dotenv drops', () => {
    const error = catchFormatError(() => parseDotenv('__proto__=x\n'));

    expect(error.problems[0]!.line).toBe(1);
    expect(error.message).toContain('__proto__');
  });

  it('matches dotenv or rejects random files', () => {
    const random = createRandom(31337);
    let accepted = 0;
    for (let round = 0; round < 5000; round += 1) {
      let text = '';
      const pieces = 1 + Math.floor(random() * 12);
      for (let index = 0; index < pieces; index += 1) {
        text += SYNTAX_PIECES[Math.floor(random() * SYNTAX_PIECES.length)];
      }

      let result: ImportResult;
      try {
        result = parseDotenv(text);
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
        continue;
      }
      accepted += 1;
      expect(valuesOf(result)).toEqual({ ...dotenv.parse(text) });
    }

    expect(accepted).toBeGreaterThan(1000);
  });

  it('reads an empty file as no entries', () => {
    expect(parseDotenv('')).toEqual({ entries: [], warnings: [] });
    expect(parseDotenv('# only a comment\n\n')).toEqual({ entries: [], warnings: [] });
  });
});
