import { CliError, UsageError } from './errors.js';

export interface InputStreams {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WritableStream;
}

/** Reads standard input to its end, with no timeout: a partial value is never used. */
export async function readAllStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Removes one trailing newline (LF or CRLF) from a value that has no other line break,
 * the newline `echo` or a heredoc adds. A multi-line value (a PEM key) keeps its bytes.
 */
export function stripFinalNewline(text: string): string {
  const withoutFinal = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  return /[\r\n]/.test(withoutFinal) ? text : withoutFinal;
}

/** Decodes UTF-8 strictly, so bytes that are not text are rejected instead of replaced. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError(`${what} is not valid UTF-8 text. Encode binary data (base64, say) before storing it.`);
  }
}

/** Asks for a value on the terminal without echoing it. */
export async function promptHidden(streams: InputStreams, question: string): Promise<string> {
  const { stdin, stderr } = streams;
  if (!stdin.isTTY) {
    throw new UsageError('No terminal to prompt on; pass the value on standard input.');
  }

  // Raw mode first: anything typed or pasted after the prompt appears must not be echoed.
  stdin.setRawMode(true);
  stderr.write(question);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string): void => {
        for (const character of chunk) {
          if (character === '\r' || character === '\n' || character === '\u0004') {
            stdin.off('data', onData);
            stderr.write('\n');
            resolve(value);
            return;
          }
          if (character === '\u0003') {
            stdin.off('data', onData);
            stderr.write('\n');
            reject(new CliError('Cancelled.', 130));
            return;
          }
          if (character === '\u007f' || character === '\b') {
            value = value.slice(0, -1);
          } else {
            value += character;
          }
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/**
 * Reads a password: from the variable named by `envName`, else a hidden prompt on a
 * terminal, else standard input. Never from argv, where shell history would keep it.
 */
export async function readPassword(streams: InputStreams, env: NodeJS.ProcessEnv, envName: string, question: string): Promise<string> {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') {
    return fromEnv;
  }
  if (streams.stdin.isTTY) {
    return promptHidden(streams, question);
  }
  const text = stripFinalNewline(decodeUtf8(await readAllStdin(streams.stdin), 'The password on standard input'));
  if (text.length === 0) {
    throw new UsageError(`No password given: pipe it on standard input or set ${envName}.`);
  }
  return text;
}
