import { TresorError } from '../domain/errors.js';

/** The file formats a module's secrets can be imported from. */
export type ImportFormat = 'env' | 'json' | 'yaml';

/** The file formats a module's secrets can be exported to. */
export type ExportFormat = 'env' | 'json' | 'yaml' | 'k8s' | 'docker';

/**
 * Something an import or export did that the user should check. The message names the
 * line (1-based) and the key where it can, and never contains a value.
 */
export interface ImportWarning {
  line?: number;
  key?: string;
  message: string;
}

/** One reason an import or export was rejected. Like a warning, it never contains a value. */
export interface FormatProblem {
  line?: number;
  key?: string;
  message: string;
}

/** The key/value pairs read from a file, in file order, with the line each key is on. */
export interface ImportResult {
  entries: Array<{ key: string; value: string; line?: number }>;
  warnings: ImportWarning[];
}

export interface SecretEntry {
  key: string;
  value: string;
}

export interface ExportOptions {
  /** The Secret's `metadata.name` (k8s format only, where it is required). */
  name?: string;
  /** The Secret's `metadata.namespace` (k8s format only). */
  namespace?: string;
  /** Whether the env and docker formats leave out, with a warning, values they can't carry, instead of failing. */
  skipUnrepresentable?: boolean;
}

/** The whole exported file, or nothing: an export that fails throws instead. */
export interface ExportResult {
  text: string;
  warnings: ImportWarning[];
}

/**
 * An input that can't be imported, or secrets that can't be exported, as a whole: nothing
 * partial is returned. `problems` lists every reason found, each naming its key and/or line.
 */
export class FormatError extends TresorError {
  readonly problems: readonly FormatProblem[];

  constructor(subject: string, problems: readonly FormatProblem[]) {
    super('VALIDATION_FAILED', composeMessage(subject, problems));
    this.name = 'FormatError';
    this.problems = problems;
  }
}

function composeMessage(subject: string, problems: readonly FormatProblem[]): string {
  if (problems.length === 1) {
    return `${subject}: ${problems[0].message}`;
  }
  const list = problems.map((problem) => `- ${problem.message}`).join('\n');
  return `${subject} (${problems.length} problems):\n${list}`;
}
