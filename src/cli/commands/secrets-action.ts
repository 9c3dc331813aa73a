import { assertValidKeys, assertValueSize, readValue, type Assignment } from '../assignments.js';
import { confirmAction } from '../confirm.js';
import type { CliContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { parseWholeNumber } from '../numbers.js';
import { displayText, isTerminal, MASKED_VALUE, writeJson, writeNote, writeTable, writeValue, writeWarning } from '../output.js';
import { hasPendingInput } from '../pending-input.js';
import { describeScope, resolveScope, secretsPath } from '../scope.js';
import { connect } from '../session.js';
import { parseSetArguments, valueOnStdinError } from '../set-arguments.js';
import type { SecretsOptions } from './secrets-commands.js';

interface SecretMetadata {
  key: string;
  version: number;
  updatedAt: string;
  updatedBy?: string | null;
}

interface RevealedSecret extends SecretMetadata {
  value: string;
}

/** The server's response to every write: the new revision, and which keys changed. */
export interface WriteResult {
  revision: number;
  changed: Array<{ key: string; version: number }>;
  unchanged: string[];
}

interface VersionView {
  version: number;
  createdAt: string;
  createdBy?: string | null;
  deleted: boolean;
}

function reportWrite(context: CliContext, result: WriteResult): void {
  for (const { key, version } of result.changed) {
    writeNote(context.stderr, `Set ${key} (version ${version})`);
  }
  for (const key of result.unchanged) {
    writeNote(context.stderr, `${key} unchanged: the value equals the current version`);
  }
}

export async function setSecrets(context: CliContext, args: string[], options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const parsed = parseSetArguments(args);
  const ifVersion = options.ifVersion === undefined ? undefined : parseWholeNumber(options.ifVersion, '--if-version', 0);
  if (ifVersion !== undefined && parsed.form === 'assignments' && parsed.assignments.length > 1) {
    throw new UsageError('--if-version applies to one secret: set one KEY at a time with it.');
  }

  if (parsed.form === 'assignments') {
    // A value piped to `set A=B` would otherwise be dropped without a word.
    if (await hasPendingInput(context.stdin)) {
      throw valueOnStdinError();
    }
    writeWarning(
      context.stderr,
      'values given as arguments stay in your shell history and are visible in the process list. ' +
        'Pass one KEY alone and pipe its value on stdin instead.',
    );
  }

  // Credentials are checked before a value is typed at the prompt, so none is typed in vain.
  const client = await connect(context, options);
  const assignments: Assignment[] = parsed.form === 'key' ? [{ key: parsed.key, value: await readValue(context, parsed.key) }] : parsed.assignments;
  assignments.forEach(assertValueSize);

  let result: WriteResult;
  if (assignments.length === 1) {
    const [{ key, value }] = assignments as [Assignment];
    result = await client.put<WriteResult>(secretsPath(scope, key), ifVersion === undefined ? { value } : { value, ifVersion });
  } else {
    result = await client.post<WriteResult>(secretsPath(scope), { secrets: assignments });
  }

  if (options.json === true) {
    writeJson(context.stdout, result);
  }
  reportWrite(context, result);

  // An empty value is valid, but from a pipe it more often means the command feeding it failed.
  if (parsed.form === 'key' && assignments[0]!.value === '' && !isTerminal(context.stdin)) {
    writeWarning(context.stderr, `Read an empty value for ${parsed.key} from standard input; stored an empty value.`);
  }
}

export async function listSecrets(context: CliContext, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const client = await connect(context, options);
  // Only the reveal request returns values; the list request never does.
  const body =
    options.reveal === true
      ? await client.post<{ revision: number; secrets: Array<SecretMetadata & { value?: string }> }>(secretsPath(scope, 'reveal'), {})
      : await client.get<{ revision: number; secrets: Array<SecretMetadata & { value?: string }> }>(secretsPath(scope));

  if (options.json === true) {
    writeJson(context.stdout, body);
    return;
  }
  writeTable(
    context,
    ['KEY', 'VERSION', 'UPDATED', 'UPDATED BY', 'VALUE'],
    body.secrets.map((secret) => [
      secret.key,
      String(secret.version),
      secret.updatedAt,
      secret.updatedBy,
      secret.value === undefined ? MASKED_VALUE : displayText(secret.value),
    ]),
    `The ${describeScope(scope)} has no secrets yet. Set one with \`tresor secrets set KEY\`.`,
  );
}

// get, delete and history take any key string, because only writes check key names. A
// stored key that is not a valid name must still be readable and removable, so messages
// escape it instead.
export async function getSecret(context: CliContext, key: string, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const client = await connect(context, options);
  const { secrets } = await client.post<{ secrets: RevealedSecret[] }>(secretsPath(scope, 'reveal'), { keys: [key] });
  const secret = secrets.find((candidate) => candidate.key === key);
  if (secret === undefined) {
    throw new CliError(`Secret ${displayText(key)} not found in ${describeScope(scope)}. Run \`tresor secrets list\` to see its keys.`);
  }

  if (options.json === true) {
    writeJson(context.stdout, secret);
    return;
  }
  writeValue(context.stdout, secret.value);
}

export async function deleteSecret(context: CliContext, key: string, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const confirmed = await confirmAction(context, `Deleting secret ${displayText(key)} of ${describeScope(scope)}`, options.yes);
  if (!confirmed) {
    writeNote(context.stderr, `Kept ${displayText(key)}: nothing was deleted.`);
    return;
  }

  const client = await connect(context, options);
  const result = await client.delete<{ revision: number; version: number }>(secretsPath(scope, key));
  if (options.json === true) {
    writeJson(context.stdout, result);
  }
  writeNote(context.stderr, `Deleted ${displayText(key)} (version ${result.version} marks the deletion; its history stays).`);
}

export async function showHistory(context: CliContext, key: string, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const client = await connect(context, options);
  const { versions } = await client.get<{ versions: VersionView[] }>(secretsPath(scope, key, 'versions'));
  if (options.json === true) {
    writeJson(context.stdout, { versions });
    return;
  }
  writeTable(
    context,
    ['VERSION', 'CREATED', 'CREATED BY', 'STATE'],
    versions.map((version) => [String(version.version), version.createdAt, version.createdBy, version.deleted ? 'deleted' : 'value']),
    `Secret ${displayText(key)} has no versions.`,
  );
}

export async function rollbackSecret(context: CliContext, key: string, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  assertValidKeys([key]);
  const toVersion = parseWholeNumber(options.toVersion ?? '', '--to-version', 1);
  const client = await connect(context, options);
  const result = await client.post<WriteResult>(secretsPath(scope, key, 'rollback'), { version: toVersion });

  if (options.json === true) {
    writeJson(context.stdout, result);
  }
  const changed = result.changed.find((entry) => entry.key === key);
  writeNote(
    context.stderr,
    changed === undefined
      ? `${key} already has the value of version ${toVersion}: nothing changed.`
      : `Rolled back ${key} to the value of version ${toVersion}, now version ${changed.version}.`,
  );
}
