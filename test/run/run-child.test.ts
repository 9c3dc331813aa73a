import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { CliError } from '../../src/cli/errors.js';
import { exitCodeOf, FORWARDED_SIGNALS, runChild } from '../../src/cli/run/run-child.js';

function listenerCounts(): number[] {
  return FORWARDED_SIGNALS.map((signal) => process.listenerCount(signal));
}

describe('runChild', () => {
  it('removes its signal handlers afterwards', async () => {
    const before = listenerCounts();

    const code = await runChild({ command: 'sh', args: ['-c', 'exit 4'], env: { PATH: process.env.PATH }, stderr: new PassThrough() });

    expect(code).toBe(4);
    expect(listenerCounts()).toEqual(before);
  });

  it('removes its handlers after a start failure', async () => {
    const before = listenerCounts();
    const stderr = new PassThrough();

    const code = await runChild({ command: '/nonexistent/cmd', args: [], env: {}, stderr });

    expect(code).toBe(127);
    expect(String(stderr.read())).toContain('"/nonexistent/cmd"');
    expect(listenerCounts()).toEqual(before);
  });

  it('rejects a NUL byte without echoing it', async () => {
    const before = listenerCounts();

    const error = await runChild({
      command: 'sh',
      args: ['-c', 'exit 0', 'sk_live_planted\0tail'],
      env: { PATH: process.env.PATH },
      stderr: new PassThrough(),
    }).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain('ERR_INVALID_ARG_VALUE');
    expect((error as CliError).message).not.toContain('sk_live_planted');
    expect(listenerCounts()).toEqual(before);
  });
});

describe('exitCodeOf', () => {
  it.each([
    [0, null, 0],
    [3, null, 3],
    [255, null, 255],
    [null, 'SIGTERM', 143],
    [null, 'SIGKILL', 137],
    [null, 'SIGINT', 130],
    [null, 'SIGSEGV', 139],
    [null, 'SIGHUP', 129],
  ] as const)('code %s signal %s is %i', (code, signal, expected) => {
    expect(exitCodeOf(code, signal)).toBe(expected);
  });
});
