import { FormatError, type FormatProblem, type ImportWarning } from './types.js';

const BYTE_ORDER_MARK = '\uFEFF';
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;
const LF = 0x0a;
const CR = 0x0d;

export interface DecodedText {
  text: string;
  warnings: ImportWarning[];
}

/**
 * Decodes an imported file as UTF-8 text and removes a leading byte order mark, with a
 * warning. Invalid UTF-8 in a buffer, or an unpaired surrogate in a string, is rejected
 * naming every line it is on, because decoding it would put U+FFFD in place of bytes of a
 * value. Lines end at LF, CRLF or a lone CR, as dotenv counts them.
 */
export function decodeImportText(input: string | Buffer, subject: string): DecodedText {
  const text = typeof input === 'string' ? checkString(input, subject) : decodeBuffer(input, subject);
  if (!text.startsWith(BYTE_ORDER_MARK)) {
    return { text, warnings: [] };
  }

  const warning: ImportWarning = {
    line: 1,
    message: 'Line 1: the file starts with a UTF-8 byte order mark, which was removed.',
  };
  return { text: text.slice(BYTE_ORDER_MARK.length), warnings: [warning] };
}

function checkString(text: string, subject: string): string {
  if (!UNPAIRED_SURROGATE.test(text)) {
    return text;
  }

  const problems: FormatProblem[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    if (UNPAIRED_SURROGATE.test(line)) {
      problems.push({
        line: index + 1,
        message: `Line ${index + 1} contains an unpaired UTF-16 surrogate, which UTF-8 cannot encode. Fix the text on that line.`,
      });
    }
  });
  throw new FormatError(subject, problems);
}

function decodeBuffer(bytes: Buffer, subject: string): string {
  // ignoreBOM keeps a byte order mark in the text, so that removing it can be reported.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes);
  } catch {
    // Decoding line by line is safe: no byte of a multi-byte UTF-8 sequence is CR or LF.
    const problems: FormatProblem[] = [];
    splitByteLines(bytes).forEach((line, index) => {
      try {
        decoder.decode(line);
      } catch {
        problems.push({
          line: index + 1,
          message: `Line ${index + 1} is not valid UTF-8. Save the file as UTF-8 and import it again.`,
        });
      }
    });
    throw new FormatError(subject, problems);
  }
}

function splitByteLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index];
    if (byte !== LF && byte !== CR) {
      index += 1;
      continue;
    }

    lines.push(bytes.subarray(start, index));
    const isCrLf = byte === CR && bytes[index + 1] === LF;
    index += isCrLf ? 2 : 1;
    start = index;
  }
  lines.push(bytes.subarray(start));
  return lines;
}
