/** A secret found in a text, before it is turned into a printable finding. */
export interface Detection {
  /** The kind of secret in plain words, such as `private key` or `AWS access key id`. */
  kind: string;
  /** Offset of the match in the scanned text, used to compute its line. */
  index: number;
  /** The secret itself. Only `redactSecret` may turn it into output. */
  secret: string;
}

/** Finds one kind of secret in a text. Detectors are pure and synchronous. */
export type Detector = (text: string) => Detection[];

/** One finding of `tresor scan`, safe to print: it carries at most 4 characters of the secret. */
export interface Finding {
  /** Path relative to the scanned folder, with `/` separators. */
  file: string;
  /** 1-based line of the match. */
  line: number;
  kind: string;
  excerpt: string;
}

const EXCERPT_CHARACTERS = 4;

// A secret shorter than this would be mostly revealed by its first 4 characters.
const MIN_EXCERPTED_LENGTH = 16;

/** Shortens a secret to its first 4 characters and `…`, or to `…` alone when it is short. */
export function redactSecret(secret: string): string {
  const characters = Array.from(secret);
  if (characters.length < MIN_EXCERPTED_LENGTH) {
    return '…';
  }
  return `${characters.slice(0, EXCERPT_CHARACTERS).join('')}…`;
}
