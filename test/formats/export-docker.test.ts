import { describe, expect, it } from 'vitest';

import { exportSecrets } from '../../src/formats/export.js';
import { FormatError } from '../../src/formats/types.js';

const DOCKER_VALUES = [
  { key: 'RTSP_SOURCE', value: 'rtsp://cam.example.internal/stream' },
  { key: 'GREETING', value: 'hello world' },
  { key: 'PW', value: 'p"a\'ss#1 $HOME' },
  { key: 'HASHVAL', value: '#deploys' },
  { key: 'LEADING', value: '  lead' },
  { key: 'TRAILING', value: 'trail  ' },
  { key: 'EMPTY', value: '' },
  { key: 'QUOTED_LITERAL', value: '"already-quoted"' },
];

function catchFormatError(action: () => unknown): FormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected a FormatError, but nothing was thrown');
}

describe('exportSecrets as a Docker env-file', () => {
  it('writes values verbatim and sorted', () => {
    const result = exportSecrets(DOCKER_VALUES, 'docker');

    expect(result.text).toBe(
      [
        'EMPTY=',
        'GREETING=hello world',
        'HASHVAL=#deploys',
        'LEADING=  lead',
        'PW=p"a\'ss#1 $HOME',
        'QUOTED_LITERAL="already-quoted"',
        'RTSP_SOURCE=rtsp://cam.example.internal/stream',
        'TRAILING=trail  ',
        '',
      ].join('\n'),
    );
  });

  it('warns about matching outer quotes', () => {
    const result = exportSecrets(DOCKER_VALUES, 'docker');

    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]!.key).toBe('QUOTED_LITERAL');
    expect(result.warnings[0]!.message).not.toContain('already-quoted');
  });

  it('rejects line breaks naming the key', () => {
    for (const value of ['line1\nline2', 'line1\rline2']) {
      const entries = [...DOCKER_VALUES, { key: 'PEM', value }];

      const error = catchFormatError(() => exportSecrets(entries, 'docker'));

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]!.key).toBe('PEM');
      expect(error.message).toMatch(/line break/);
      expect(error.message).not.toContain('line1');
    }
  });

  it('leaves out line breaks when asked', () => {
    const entries = [
      { key: 'A', value: 'one' },
      { key: 'PEM', value: 'line1\nline2' },
    ];

    const result = exportSecrets(entries, 'docker', { skipUnrepresentable: true });

    expect(result.text).toBe('A=one\n');
    expect(result.warnings.map((warning) => warning.key)).toEqual(['PEM']);
  });

  it('writes nothing for no secrets', () => {
    expect(exportSecrets([], 'docker')).toEqual({ text: '', warnings: [] });
  });
});
