import { parse } from 'yaml';

// Only names and base64 text may be written unquoted. Everything else is quoted.
const PLAIN_CANDIDATE = /^[A-Za-z0-9_][A-Za-z0-9_.\-+/=]*$/;

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Tells whether `text`, written unquoted, reads back as the same string both with the
 * YAML 1.2 core schema and with YAML 1.1, where `yes`, `n`, `0644` and `1:20` are not
 * strings.
 */
export function isSafePlainScalar(text: string): boolean {
  if (!PLAIN_CANDIDATE.test(text)) {
    return false;
  }
  return parse(text, { version: '1.2', schema: 'core' }) === text && parse(text, { version: '1.1' }) === text;
}

/** Writes `text` as a plain scalar when that is safe, else as a double-quoted one. */
export function writeYamlScalar(text: string): string {
  return isSafePlainScalar(text) ? text : writeDoubleQuoted(text);
}

/**
 * Writes `text` as a one-line YAML double-quoted scalar. Every character outside YAML's
 * printable set (such as DEL and the C1 controls) is escaped, and so is every character a
 * YAML 1.1 reader treats as a line break (U+0085, U+2028, U+2029), because the `yaml`
 * package writes them raw and stricter readers reject or fold them.
 */
export function writeDoubleQuoted(text: string): string {
  let quoted = '"';
  for (const character of text) {
    quoted += NAMED_ESCAPES[character] ?? (isPrintable(character.codePointAt(0)!) ? character : escapeCodePoint(character));
  }
  return `${quoted}"`;
}

function isPrintable(codePoint: number): boolean {
  if (codePoint >= 0x20 && codePoint <= 0x7e) {
    return true;
  }
  if (codePoint === 0x2028 || codePoint === 0x2029 || codePoint === 0xfeff) {
    return false;
  }
  return (
    (codePoint >= 0xa0 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    codePoint >= 0x10000
  );
}

function escapeCodePoint(character: string): string {
  // Unpaired surrogates never get here: exports reject them before writing.
  const codePoint = character.codePointAt(0)!;
  return `\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
