import { readFileSync } from 'node:fs';

/** The process group of a process and the foreground process group of its terminal. */
export interface ProcessGroups {
  processGroup: number;
  /** -1 when the process has no controlling terminal. */
  terminalForegroundGroup: number;
}

/**
 * Parses the contents of Linux `/proc/<pid>/stat`, as documented in proc(5): field 5 is
 * pgrp and field 8 is tpgid. Returns null for text of another shape.
 */
export function parseProcessGroups(stat: string): ProcessGroups | null {
  // Field 2 is the command name in parentheses, which may itself contain spaces and ")",
  // so the fixed-format fields start after the last ")".
  const nameEnd = stat.lastIndexOf(')');
  if (nameEnd === -1) {
    return null;
  }

  // After the name come field 3 (state), 4 (ppid), 5 (pgrp), 6 (session), 7 (tty_nr), 8 (tpgid).
  const fields = stat.slice(nameEnd + 1).trim().split(/\s+/);
  const processGroup = Number(fields[2]);
  const terminalForegroundGroup = Number(fields[5]);
  if (!Number.isInteger(processGroup) || !Number.isInteger(terminalForegroundGroup)) {
    return null;
  }
  return { processGroup, terminalForegroundGroup };
}

/**
 * Checks whether this process belongs to its terminal's foreground process group, which
 * receives the SIGINT of Ctrl-C and the SIGQUIT of Ctrl-\ from the terminal driver.
 *
 * NOTE: reads /proc, so it works on Linux only. Elsewhere it returns false, and a
 * Ctrl-C then reaches the command twice: once from the terminal and once forwarded.
 */
export function isInTerminalForegroundGroup(): boolean {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return false;
  }

  const groups = parseProcessGroups(stat);
  if (groups === null || groups.terminalForegroundGroup <= 0) {
    return false;
  }
  return groups.processGroup === groups.terminalForegroundGroup;
}
