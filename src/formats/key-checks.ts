import { describeInvalidKey } from '../domain/names.js';
import type { FormatProblem } from './types.js';

const MAX_QUOTED_KEY_LENGTH = 64;

/**
 * Quotes a key for a message. Text after an "=" is replaced by "…", because in a key such
 * as `PATH=/tmp/evil` it is a value. A key longer than 64 characters is cut the same way.
 */
export function quoteKey(key: string): string {
  const equals = key.indexOf('=');
  let displayed = equals === -1 ? key : key.slice(0, equals + 1);
  if (displayed.length > MAX_QUOTED_KEY_LENGTH) {
    displayed = displayed.slice(0, MAX_QUOTED_KEY_LENGTH);
  }
  const ellipsis = displayed.length < key.length ? '…' : '';
  return JSON.stringify(displayed + ellipsis);
}

/** Returns the problem with a key that is not a valid environment variable name, or null. */
export function checkKey(key: string, line?: number): FormatProblem | null {
  const reason = describeInvalidKey(key);
  if (reason === null) {
    return null;
  }

  const where = line === undefined ? '' : `Line ${line}: `;
  const sentence = `${where}invalid key ${quoteKey(key)}: ${reason}. Rename it.`;
  return { key, line, message: capitalize(sentence) };
}

/** Lists each key that occurs more than once, with all the lines it is on. */
export function findDuplicateKeys(
  entries: ReadonlyArray<{ key: string; line?: number | undefined }>,
): FormatProblem[] {
  const linesByKey = new Map<string, Array<number | undefined>>();
  for (const { key, line } of entries) {
    const lines = linesByKey.get(key) ?? [];
    lines.push(line);
    linesByKey.set(key, lines);
  }

  const problems: FormatProblem[] = [];
  for (const [key, lines] of linesByKey) {
    if (lines.length < 2) {
      continue;
    }
    const known = lines.filter((line): line is number => line !== undefined);
    const where = known.length === lines.length ? `, on lines ${joinWords(known.map(String))}` : '';
    problems.push({
      key,
      line: lines[1],
      message: `The key ${quoteKey(key)} is defined more than once${where}. Keep one of them.`,
    });
  }
  return problems;
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) {
    return words.join('');
  }
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function capitalize(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
