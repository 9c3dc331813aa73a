/** The JSON type of a value, as a message names it. */
export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** One member of the top-level object, with the line its key is on. */
export interface JsonMember {
  key: string;
  line: number;
  kind: JsonKind;
  /** The decoded value when `kind` is 'string'. */
  value?: string;
}

/** Invalid JSON syntax, located by line and column. Its message never quotes the text. */
export class JsonSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.line = line;
    this.column = column;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const LITERALS = [
  { text: 'true', kind: 'boolean' },
  { text: 'false', kind: 'boolean' },
  { text: 'null', kind: 'null' },
] as const;

/**
 * Reads the members of a JSON text whose top level must be an object, keeping every
 * member in order, duplicates included (JSON.parse keeps only the last one). Nested
 * objects and arrays are skipped, not decoded, because no secret value can be one.
 * Throws a JsonSyntaxError at the first syntax error.
 */
export function readJsonMembers(text: string): JsonMember[] {
  return new JsonMemberReader(text).read();
}

class JsonMemberReader {
  private position = 0;
  private readonly lineStarts: number[];

  constructor(private readonly text: string) {
    this.lineStarts = findLineStarts(text);
  }

  read(): JsonMember[] {
    this.skipWhitespace();
    if (this.text[this.position] !== '{') {
      throw this.syntaxError('the file must contain one JSON object, like {"KEY": "value"}');
    }
    this.position += 1;

    const members = this.readMembers();
    this.skipWhitespace();
    if (this.position < this.text.length) {
      throw this.syntaxError('invalid JSON: unexpected text after the closing "}"');
    }
    return members;
  }

  private readMembers(): JsonMember[] {
    const members: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position += 1;
      return members;
    }

    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') {
        throw this.syntaxError('invalid JSON: expected a key in double quotes');
      }
      const line = this.lineAt(this.position);
      const key = this.readString();

      this.skipWhitespace();
      this.expect(':', 'invalid JSON: expected ":" after the key');
      this.skipWhitespace();
      members.push({ key, line, ...this.readValue() });

      this.skipWhitespace();
      const separator = this.text[this.position];
      this.position += 1;
      if (separator === '}') {
        return members;
      }
      if (separator !== ',') {
        this.position -= 1;
        throw this.syntaxError('invalid JSON: expected "," or "}" after the value');
      }
    }
  }

  private readValue(): { kind: JsonKind; value?: string } {
    const first = this.text[this.position];
    if (first === '"') {
      return { kind: 'string', value: this.readString() };
    }
    if (first === '{' || first === '[') {
      this.skipNested();
      return { kind: first === '{' ? 'object' : 'array' };
    }

    for (const literal of LITERALS) {
      if (this.text.startsWith(literal.text, this.position)) {
        this.position += literal.text.length;
        return { kind: literal.kind };
      }
    }

    NUMBER.lastIndex = this.position;
    if (NUMBER.test(this.text)) {
      this.position = NUMBER.lastIndex;
      return { kind: 'number' };
    }
    throw this.syntaxError('invalid JSON: expected a value');
  }

  /** Reads a string token and decodes it with JSON.parse, which checks its escapes. */
  private readString(): string {
    const start = this.position;
    const end = this.findStringEnd(start);
    try {
      const decoded: unknown = JSON.parse(this.text.slice(start, end + 1));
      this.position = end + 1;
      return decoded as string;
    } catch {
      throw this.syntaxError('invalid JSON string: it contains a control character or an unknown escape');
    }
  }

  private findStringEnd(start: number): number {
    let index = start + 1;
    while (index < this.text.length) {
      const character = this.text[index];
      if (character === '"') {
        return index;
      }
      index += character === '\\' ? 2 : 1;
    }
    throw this.syntaxError('invalid JSON: a string is never closed');
  }

  /**
   * Skips a nested object or array by counting brackets outside strings, without checking
   * its syntax, because a nested value is rejected anyway.
   */
  private skipNested(): void {
    const start = this.position;
    let depth = 0;
    while (this.position < this.text.length) {
      const character = this.text[this.position];
      if (character === '"') {
        this.position = this.findStringEnd(this.position) + 1;
        continue;
      }
      if (character === '{' || character === '[') {
        depth += 1;
      } else if (character === '}' || character === ']') {
        depth -= 1;
      }
      this.position += 1;
      if (depth === 0) {
        return;
      }
    }
    this.position = start;
    throw this.syntaxError('invalid JSON: an object or array is never closed');
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position;
    WHITESPACE.test(this.text);
    this.position = WHITESPACE.lastIndex;
  }

  private expect(character: string, message: string): void {
    if (this.text[this.position] !== character) {
      throw this.syntaxError(message);
    }
    this.position += 1;
  }

  private lineAt(position: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.lineStarts[middle]! <= position) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low + 1;
  }

  private syntaxError(message: string): JsonSyntaxError {
    const line = this.lineAt(this.position);
    const column = this.position - this.lineStarts[line - 1]! + 1;
    return new JsonSyntaxError(message, line, column);
  }
}

/** Returns the offset where each line starts. Lines end at LF, CRLF or a lone CR. */
function findLineStarts(text: string): number[] {
  const starts = [0];
  const lineBreak = /\r\n|\r|\n/g;
  for (let match = lineBreak.exec(text); match !== null; match = lineBreak.exec(text)) {
    starts.push(match.index + match[0].length);
  }
  return starts;
}
