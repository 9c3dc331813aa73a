import { decodeImportText } from './decode-text.js';
import { JsonSyntaxError, readJsonMembers, type JsonMember } from './json-members.js';
import { checkKey, findDuplicateKeys, quoteKey } from './key-checks.js';
import { FormatError, type FormatProblem, type ImportResult } from './types.js';

const SUBJECT = "Can't import the JSON file";
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * Reads a JSON object of string values, like {"KEY": "value"}. Rejects, all at once:
 * invalid keys, keys that occur twice (JSON.parse would keep the last one silently), and
 * values that are not strings, which are never converted because a number's text can
 * change on the way (1.0 becomes 1). Returns nothing partial.
 */
export function parseJsonSecrets(input: string | Buffer): ImportResult {
  const decoded = decodeImportText(input, SUBJECT);
  const members = readMembers(decoded.text);

  const problems: FormatProblem[] = [];
  for (const member of members) {
    for (const problem of [checkKey(member.key, member.line), checkValue(member)]) {
      if (problem !== null) {
        problems.push(problem);
      }
    }
  }
  problems.push(...findDuplicateKeys(members));
  if (problems.length > 0) {
    throw new FormatError(SUBJECT, problems);
  }

  const entries = members.map(({ key, value, line }) => ({ key, value: value ?? '', line }));
  return { entries, warnings: decoded.warnings };
}

function readMembers(text: string): JsonMember[] {
  try {
    return readJsonMembers(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) {
      throw error;
    }
    throw new FormatError(SUBJECT, [
      {
        line: error.line,
        message: `Line ${error.line}, column ${error.column}: ${error.message}.`,
      },
    ]);
  }
}

function checkValue(member: JsonMember): FormatProblem | null {
  const { key, line, kind } = member;
  const subject = `Line ${line}: the value of ${quoteKey(key)}`;
  switch (kind) {
    case 'string':
      if (UNPAIRED_SURROGATE.test(member.value ?? '')) {
        return {
          key,
          line,
          message: `${subject} contains an unpaired \\uD800-\\uDFFF escape, which UTF-8 cannot encode. Fix the escape.`,
        };
      }
      return null;
    case 'number':
    case 'boolean':
      return {
        key,
        line,
        message:
          `${subject} is a ${kind}, not a string. Write it in double quotes: Tresor stores text, and ` +
          'converting a number or boolean to text can change it (1.0 becomes 1, 1e3 becomes 1000).',
      };
    case 'null':
      return {
        key,
        line,
        message: `${subject} is null. Write "" for an empty value, or remove the key.`,
      };
    case 'object':
    case 'array':
      return {
        key,
        line,
        message:
          `${subject} is an ${kind}, but each secret holds one string. ` +
          'Store it as a JSON string (serialized and quoted), or split it into keys.',
      };
  }
}
