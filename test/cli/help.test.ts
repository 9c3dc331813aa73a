import { beforeAll, describe, expect, test } from 'vitest';

import { runCli } from '../support/cli.js';
import { assertBuilt } from '../support/tresor-server.js';

describe('tresor help text', () => {
  beforeAll(() => {
    assertBuilt();
  });

  test('secrets set explains value input', async () => {
    const result = await runCli(['secrets', 'set', '--help']);
    const help = result.stdout.replace(/\s+/g, ' ');

    expect(result.status, result.stderr).toBe(0);
    expect(help).toContain('One trailing newline (LF or CRLF), the one echo adds, is removed from a single-line value read on standard input.');
    expect(help).toContain('A multi-line value, such as a PEM key, keeps every byte.');
    expect(help).toContain('An empty value on standard input is stored, with a warning.');
    expect(help).toContain('KEY=VALUE pairs only when every one contains "="');
    expect(help).toContain('end up in your shell history');
  });
});
