import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Pair } from 'yaml';

import { decodeImportText } from './decode-text.js';
import { checkKey, findDuplicateKeys, quoteKey } from './key-checks.js';
import { FormatError, type FormatProblem, type ImportResult, type ImportWarning } from './types.js';

const SUBJECT = "Can't import the YAML file";

const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, merge: false } as const;

interface ReadPair {
  key: string;
  line: number;
  value: string;
}

/**
 * Reads a flat YAML mapping of string values (YAML 1.2, core schema). A value that is not
 * a string in the file is rejected with a request to quote it: numbers, booleans, null.
 * So are the plain scalars that a YAML 1.1 reader converts (`yes`, `on`, `0644`, dates),
 * because the same file may be read by such a reader. Duplicate and invalid keys are
 * rejected too, all at once, and nothing partial is returned.
 */
export function parseYamlSecrets(input: string | Buffer): ImportResult {
  const decoded = decodeImportText(input, SUBJECT);
  const lineCounter = new LineCounter();
  const core = parseDocument(decoded.text, { ...PARSE_OPTIONS, lineCounter, version: '1.2', schema: 'core' });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  if (core.errors.length > 0) {
    throw new FormatError(SUBJECT, core.errors.map((error) => describeYamlIssue(error, lineOf, 'error')));
  }

  const yamlWarnings = core.warnings.map((warning) => describeYamlIssue(warning, lineOf, 'warning'));
  const warnings: ImportWarning[] = [...decoded.warnings, ...yamlWarnings];
  if (core.contents === null) {
    return { entries: [], warnings };
  }
  if (!isMap(core.contents)) {
    throw new FormatError(SUBJECT, [{ message: 'The file must contain a YAML mapping of KEY: "value" pairs.' }]);
  }

  // The same text read as YAML 1.1 has the same structure, so its pairs line up by index.
  const legacy = parseDocument(decoded.text, { ...PARSE_OPTIONS, version: '1.1' });
  const legacyPairs = isMap(legacy.contents) ? legacy.contents.items : [];

  const problems: FormatProblem[] = [];
  const pairs: ReadPair[] = [];
  core.contents.items.forEach((pair, index) => {
    const read = readPair(pair, core, legacyPairs[index], legacy, lineOf, decoded.text);
    problems.push(...read.problems);
    if (read.pair !== undefined) {
      pairs.push(read.pair);
    }
  });
  problems.push(...findDuplicateKeys(pairs));
  if (problems.length > 0) {
    throw new FormatError(SUBJECT, problems);
  }

  return { entries: pairs, warnings };
}

function readPair(
  pair: Pair,
  core: Document,
  legacyPair: Pair | undefined,
  legacy: Document,
  lineOf: (offset: number) => number,
  text: string,
): { pair?: ReadPair; problems: FormatProblem[] } {
  const keyNode = pair.key;
  const start = nodeStart(keyNode) ?? nodeStart(pair.value) ?? 0;
  const line = lineOf(start);

  if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
    const source = isScalar(keyNode) ? sourceOf(keyNode, text) : '';
    const named = source === '' ? 'a key' : `the key ${quoteKey(source)}`;
    return {
      problems: [
        {
          line,
          message: `Line ${line}: ${named} is not a name. Write each key as a plain name, like API_KEY: "value".`,
        },
      ],
    };
  }

  const key = keyNode.value;
  const problems: FormatProblem[] = [];
  const keyProblem = checkKey(key, line);
  if (keyProblem !== null) {
    problems.push(keyProblem);
  }

  const value = resolveValue(pair.value, core);
  const legacyValue = resolveValue(legacyPair?.value, legacy);
  const valueProblem = checkValue(value, legacyValue, key, line);
  if (valueProblem !== null) {
    problems.push(valueProblem);
  }
  if (problems.length > 0 || !isScalar(value)) {
    return { problems };
  }
  return { pair: { key, line, value: value.value as string }, problems };
}

function checkValue(value: unknown, legacyValue: unknown, key: string, line: number): FormatProblem | null {
  const subject = `Line ${line}: the value of ${quoteKey(key)}`;
  if (isMap(value) || isSeq(value)) {
    return {
      key,
      line,
      message: `${subject} is a ${isMap(value) ? 'mapping' : 'list'}, but each secret is one string. Split it into keys or quote it as one string.`,
    };
  }

  const coreKind = isScalar(value) ? describeNonString(value.value) : 'null';
  if (coreKind === 'null') {
    return { key, line, message: `${subject} is empty or null. Write "" for an empty value.` };
  }
  if (coreKind !== null) {
    return {
      key,
      line,
      message: `${subject} is ${coreKind}, not a string. Quote it ("..."), so that no reader converts it.`,
    };
  }

  const legacyKind = isScalar(legacyValue) ? describeNonString(legacyValue.value) : null;
  if (legacyKind !== null) {
    return {
      key,
      line,
      message:
        `${subject} is ${legacyKind} to a YAML 1.1 reader, which converts yes, on, 0644 and dates. ` +
        'Quote it ("..."), so that no reader converts it.',
    };
  }
  return null;
}

/** Names the type of a scalar's value, or returns null for a string. */
function describeNonString(value: unknown): string | null {
  if (typeof value === 'string') {
    return null;
  }
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return 'a number';
  }
  if (typeof value === 'boolean') {
    return 'a boolean';
  }
  if (value instanceof Date) {
    return 'a date';
  }
  if (value instanceof Uint8Array) {
    return 'binary data';
  }
  return 'not a string';
}

function resolveValue(node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

function nodeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) {
    return node.range?.[0];
  }
  return undefined;
}

function sourceOf(node: { range?: [number, number, number] | null }, text: string): string {
  const range = node.range;
  return range ? text.slice(range[0], range[1]).trim() : '';
}

function describeYamlIssue(
  issue: { code: string; pos: [number, number] },
  lineOf: (offset: number) => number,
  severity: 'error' | 'warning',
): FormatProblem {
  // The library's own message can quote the text around the issue, so only its code is used.
  const line = lineOf(issue.pos[0]);
  const words = issue.code.toLowerCase().replaceAll('_', ' ');
  const message =
    severity === 'error'
      ? `Line ${line}: invalid YAML (${words}). Fix the syntax on that line.`
      : `Line ${line}: YAML warning (${words}). Check that line.`;
  return { line, message };
}
