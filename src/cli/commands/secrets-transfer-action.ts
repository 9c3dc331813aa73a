import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { exportSecrets as formatSecrets } from '../../formats/export.js';
import { parseImport } from '../../formats/import.js';
import type { ExportFormat, ImportFormat, ImportWarning } from '../../formats/types.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { readAllStdin } from '../input.js';
import { plural, writeJson, writeNote, writeWarning } from '../output.js';
import { describeScope, resolveScope, secretsPath } from '../scope.js';
import { connect } from '../session.js';
import type { WriteResult } from './secrets-action.js';
import type { SecretsOptions } from './secrets-commands.js';

/** Chooses the import format from a file's extension: .json, .yaml or .yml, else env. */
export function formatFromFileName(file: string): ImportFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') {
    return 'json';
  }
  if (extension === '.yaml' || extension === '.yml') {
    return 'yaml';
  }
  return 'env';
}

function writeFormatWarnings(context: CliContext, warnings: readonly ImportWarning[]): void {
  for (const warning of warnings) {
    writeWarning(context.stderr, warning.message);
  }
}

async function readInput(context: CliContext, file: string): Promise<Buffer> {
  if (file === '-') {
    return readAllStdin(context.stdin);
  }
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CliError(`Can't import ${file}: no such file. Check the path, or pass - to read stdin.`);
    }
    throw new CliError(`Failed to read ${file} (${code ?? 'unknown error'}). Check that it is a readable file.`);
  }
}

export async function importSecrets(context: CliContext, file: string, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const format = (options.format as ImportFormat | undefined) ?? formatFromFileName(file);
  const input = await readInput(context, file);

  const parsed = parseImport(input, format);
  writeFormatWarnings(context, parsed.warnings);
  const source = file === '-' ? 'stdin' : file;
  if (parsed.entries.length === 0) {
    throw new CliError(`${source} contains no secrets in ${format} format: nothing was imported. Check the file and --format.`);
  }

  const client = await connect(context, options);
  const secrets = parsed.entries.map(({ key, value }) => ({ key, value }));
  const result = await client.post<WriteResult>(secretsPath(scope), { secrets });

  if (options.json === true) {
    writeJson(context.stdout, result);
  }
  writeNote(
    context.stderr,
    `Imported ${plural(secrets.length, 'secret')} from ${source} into ${describeScope(scope)}: ` +
      `${result.changed.length} set, ${result.unchanged.length} unchanged (revision ${result.revision}).`,
  );
}

export async function exportSecrets(context: CliContext, options: SecretsOptions): Promise<void> {
  const scope = resolveScope(options, context.env);
  const format = (options.format ?? 'env') as ExportFormat;
  const client = await connect(context, options);
  const { secrets } = await client.post<{ secrets: Array<{ key: string; value: string }> }>(secretsPath(scope, 'reveal'), {});

  // The whole text is built before anything is written, so a failure leaves stdout empty.
  const result = formatSecrets(
    secrets.map(({ key, value }) => ({ key, value })),
    format,
    {
      name: options.name ?? scope.module,
      namespace: options.namespace,
      skipUnrepresentable: options.skipUnrepresentable === true,
    },
  );
  writeFormatWarnings(context, result.warnings);
  context.stdout.write(result.text);
}
