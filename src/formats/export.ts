import { exportDocker } from './export-docker.js';
import { exportDotenv } from './export-dotenv.js';
import { exportJson } from './export-json.js';
import { exportKubernetesSecret } from './export-k8s.js';
import { exportYaml } from './export-yaml.js';
import { checkKey, findDuplicateKeys, quoteKey } from './key-checks.js';
import {
  FormatError,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type FormatProblem,
  type SecretEntry,
} from './types.js';

const FORMAT_NAMES: Readonly<Record<ExportFormat, string>> = {
  env: 'a .env file',
  json: 'JSON',
  yaml: 'YAML',
  k8s: 'a Kubernetes Secret',
  docker: 'a Docker env-file',
};

const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * Writes secrets in the given format, sorted by key. Returns the whole text or throws a
 * FormatError naming every key that can't be written exactly: an export is never partial,
 * and a value is never changed on the way. With `skipUnrepresentable`, the env and docker
 * formats leave such values out with a warning instead.
 */
export function exportSecrets(
  entries: readonly SecretEntry[],
  format: ExportFormat,
  options: ExportOptions = {},
): ExportResult {
  const subject = `Can't export the secrets as ${FORMAT_NAMES[format]}`;
  const sorted = checkEntries(entries, subject);
  const skipUnrepresentable = options.skipUnrepresentable ?? false;

  switch (format) {
    case 'env':
      return exportDotenv(sorted, skipUnrepresentable, subject);
    case 'json':
      return exportJson(sorted);
    case 'yaml':
      return exportYaml(sorted, subject);
    case 'k8s':
      return exportKubernetesSecret(sorted, { name: options.name, namespace: options.namespace }, subject);
    case 'docker':
      return exportDocker(sorted, skipUnrepresentable, subject);
  }
}

/** Rejects invalid or repeated keys and values that UTF-8 can't encode. Returns the entries sorted by key. */
function checkEntries(entries: readonly SecretEntry[], subject: string): SecretEntry[] {
  const problems: FormatProblem[] = [];
  for (const { key, value } of entries) {
    const keyProblem = checkKey(key);
    if (keyProblem !== null) {
      problems.push(keyProblem);
    }
    if (UNPAIRED_SURROGATE.test(value)) {
      problems.push({
        key,
        message: `The value of ${quoteKey(key)} contains an unpaired UTF-16 surrogate, which UTF-8 cannot encode.`,
      });
    }
  }
  problems.push(...findDuplicateKeys(entries));
  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }

  return entries.map(({ key, value }) => ({ key, value })).sort(compareKeys);
}

/** Orders by UTF-16 code unit, not by locale, so the output is the same on every machine. */
function compareKeys(left: SecretEntry, right: SecretEntry): number {
  if (left.key === right.key) {
    return 0;
  }
  return left.key < right.key ? -1 : 1;
}
