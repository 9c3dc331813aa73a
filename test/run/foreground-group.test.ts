import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { parseProcessGroups } from '../../src/cli/run/foreground-group.js';

describe('parseProcessGroups', () => {
  it('reads pgrp and tpgid', () => {
    const stat = '4476 (node) S 4470 4470 2905 34816 4470 4194304 98 0 0 0';

    expect(parseProcessGroups(stat)).toEqual({ processGroup: 4470, terminalForegroundGroup: 4470 });
  });

  it('reads -1 tpgid without a terminal', () => {
    const stat = '4476 (cat) R 4470 4470 2905 0 -1 4194304 98 0 0 0';

    expect(parseProcessGroups(stat)).toEqual({ processGroup: 4470, terminalForegroundGroup: -1 });
  });

  it('handles spaces and parentheses in the name', () => {
    const stat = '77 (my ) app (1) S 5 6 7 34816 8 4194304 0 0';

    expect(parseProcessGroups(stat)).toEqual({ processGroup: 6, terminalForegroundGroup: 8 });
  });

  it('rejects other text', () => {
    expect(parseProcessGroups('')).toBeNull();
    expect(parseProcessGroups('12 (short) S 1')).toBeNull();
  });

  it.runIf(process.platform === 'linux')('parses this process', () => {
    const groups = parseProcessGroups(readFileSync('/proc/self/stat', 'utf8'));

    expect(groups).not.toBeNull();
    expect(groups?.processGroup).toBeGreaterThan(0);
    expect(Number.isInteger(groups?.terminalForegroundGroup)).toBe(true);
  });
});
