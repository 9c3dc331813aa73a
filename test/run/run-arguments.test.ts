import { describe, expect, test } from 'vitest';

import { parseRunArguments } from '../../src/cli/run/run-entry.js';

describe('parseRunArguments', () => {
  test('options before the command', () => {
    expect(parseRunArguments(['--verbose', '--preserve-env', 'node', 'app.js'])).toEqual({
      kind: 'run',
      run: { command: 'node', args: ['app.js'], verbose: true, preserveEnv: true },
    });
  });

  test('options after the command go to it', () => {
    expect(parseRunArguments(['node', '--verbose', '-e', '0'])).toEqual({
      kind: 'run',
      run: { command: 'node', args: ['--verbose', '-e', '0'], verbose: false, preserveEnv: false },
    });
  });

  test('double dash ends the options', () => {
    expect(parseRunArguments(['--', '--verbose'])).toEqual({
      kind: 'run',
      run: { command: '--verbose', args: [], verbose: false, preserveEnv: false },
    });
    expect(parseRunArguments(['--verbose', '--', '--', 'x'])).toEqual({
      kind: 'run',
      run: { command: '--', args: ['x'], verbose: true, preserveEnv: false },
    });
  });

  test('lone dash is the command', () => {
    expect(parseRunArguments(['-', 'a'])).toEqual({ kind: 'run', run: { command: '-', args: ['a'], verbose: false, preserveEnv: false } });
  });

  test('unknown option is reported', () => {
    expect(parseRunArguments(['--bogus', 'node'])).toEqual({ kind: 'unknown-option', option: '--bogus' });
    expect(parseRunArguments(['--verbose=1', 'node'])).toEqual({ kind: 'unknown-option', option: '--verbose=1' });
  });

  test('help wins over an unknown option', () => {
    expect(parseRunArguments(['--bogus', '--help'])).toEqual({ kind: 'help' });
    expect(parseRunArguments(['-h'])).toEqual({ kind: 'help' });
  });

  test('help after the command belongs to it', () => {
    expect(parseRunArguments(['node', '--help'])).toEqual({ kind: 'run', run: { command: 'node', args: ['--help'], verbose: false, preserveEnv: false } });
  });

  test('no command leaves it empty', () => {
    expect(parseRunArguments([])).toEqual({ kind: 'run', run: { command: '', args: [], verbose: false, preserveEnv: false } });
  });
});
