import { quoteKey } from './key-checks.js';
import { FormatError, type ExportResult, type FormatProblem, type SecretEntry } from './types.js';
import { listMismatchedKeys, readNestedMapping, readYamlMapping } from './yaml-read-back.js';
import { writeYamlScalar } from './yaml-scalars.js';

// Kubernetes' own rules for object names (RFC 1123 subdomain) and namespaces (label).
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const MAX_SUBDOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

/**
 * Writes a `v1` `Secret` manifest of type Opaque whose `data` contains the base64 (standard
 * alphabet, padded, on one line) of each value's exact UTF-8 bytes, in the given order.
 * `name` is required. The manifest is read back with YAML 1.2 and 1.1 before it is returned.
 */
export function exportKubernetesSecret(
  entries: readonly SecretEntry[],
  metadata: { name?: string | undefined; namespace?: string | undefined },
  subject: string,
): ExportResult {
  const problems = checkMetadata(metadata);
  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }
  const name = metadata.name!;
  const namespace = metadata.namespace;

  const data = entries.map(({ key, value }) => [key, Buffer.from(value, 'utf8').toString('base64')] as const);
  const lines = ['apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${writeYamlScalar(name)}`];
  if (namespace !== undefined) {
    lines.push(`  namespace: ${writeYamlScalar(namespace)}`);
  }
  lines.push('type: Opaque');
  if (data.length === 0) {
    lines.push('data: {}');
  } else {
    lines.push('data:');
    for (const [key, encoded] of data) {
      lines.push(`  ${writeYamlScalar(key)}: ${encoded === '' ? '""' : writeYamlScalar(encoded)}`);
    }
  }

  const text = `${lines.join('\n')}\n`;
  checkReadBack(text, { name, namespace }, data, subject);
  return { text, warnings: [] };
}

function checkMetadata(metadata: { name?: string | undefined; namespace?: string | undefined }): FormatProblem[] {
  const problems: FormatProblem[] = [];
  const { name, namespace } = metadata;
  if (name === undefined || name === '') {
    problems.push({
      message: 'A Kubernetes Secret needs a name (its metadata.name). Pass one with --name, for example --name api-secrets.',
    });
  } else if (name.length > MAX_SUBDOMAIN_LENGTH || !DNS_SUBDOMAIN.test(name)) {
    problems.push({
      message:
        `Invalid --name ${JSON.stringify(name)}: a Secret name must be a DNS subdomain, at most ${MAX_SUBDOMAIN_LENGTH} ` +
        'lower-case letters, digits, "-" and ".", starting and ending with a letter or digit.',
    });
  }

  if (namespace !== undefined && (namespace.length > MAX_LABEL_LENGTH || !DNS_LABEL.test(namespace))) {
    problems.push({
      message:
        `Invalid --namespace ${JSON.stringify(namespace)}: a namespace must be a DNS label, at most ${MAX_LABEL_LENGTH} ` +
        'lower-case letters, digits and "-", starting and ending with a letter or digit.',
    });
  }
  return problems;
}

function checkReadBack(
  text: string,
  metadata: { name: string; namespace: string | undefined },
  data: ReadonlyArray<readonly [string, string]>,
  subject: string,
): void {
  const problems: FormatProblem[] = [];
  for (const version of ['1.2', '1.1'] as const) {
    const manifest = readYamlMapping(text, version);
    const readMetadata = readNestedMapping(manifest?.get('metadata'));
    const headerMatches =
      manifest?.get('apiVersion') === 'v1' &&
      manifest.get('kind') === 'Secret' &&
      manifest.get('type') === 'Opaque' &&
      readMetadata?.get('name') === metadata.name &&
      readMetadata.get('namespace') === metadata.namespace;
    if (!headerMatches) {
      problems.push({ message: `The manifest written does not read back as a Secret named ${JSON.stringify(metadata.name)} (YAML ${version}).` });
    }

    for (const key of listMismatchedKeys(readNestedMapping(manifest?.get('data')), data)) {
      problems.push({ key, message: `The data written for ${quoteKey(key)} does not read back to the stored value (YAML ${version}).` });
    }
  }
  if (problems.length > 0) {
    throw new FormatError(subject, problems);
  }
}
