import { apiPath } from '../api-client.js';
import { assertValidKeys, parseAssignments } from '../assignments.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { writeJson, writeNote, writeTable, writeValue, writeWarning, type JsonOption } from '../output.js';
import { resolveApp, resolveModule, type ScopeFlags } from '../scope.js';
import { connect, type ServerOption } from '../session.js';

type Options = ServerOption & JsonOption & ScopeFlags;

interface ConfigEntry {
  key: string;
  value: string;
  updatedAt: string;
}

function configPath(context: CliContext, options: Options, ...rest: string[]): { path: string; where: string } {
  const app = resolveApp(options, context.env);
  const module = resolveModule(options, context.env);
  return { path: apiPath('apps', app, 'modules', module, 'config', ...rest), where: `module ${module} of app ${app}` };
}

export async function setConfig(context: CliContext, keyArgument: string, valueArgument: string | undefined, options: Options): Promise<void> {
  let key = keyArgument;
  let value = valueArgument;
  if (value === undefined) {
    if (!keyArgument.includes('=')) {
      throw new UsageError(`Missing the value of ${JSON.stringify(keyArgument)}: write KEY VALUE or KEY=VALUE.`);
    }
    const [assignment] = parseAssignments([keyArgument]);
    key = assignment!.key;
    value = assignment!.value;
  }
  assertValidKeys([key], 'configuration key');

  const { path, where } = configPath(context, options, key);
  const client = await connect(context, options);
  const result = await client.put<{ entry: ConfigEntry; warnings: string[] }>(path, { value });
  for (const warning of result.warnings) {
    writeWarning(context.stderr, warning);
  }
  if (options.json === true) {
    writeJson(context.stdout, result);
  }
  writeNote(context.stderr, `Set configuration ${key} of ${where}.`);
}

export async function getConfig(context: CliContext, key: string, options: Options): Promise<void> {
  assertValidKeys([key], 'configuration key');
  const { path } = configPath(context, options, key);
  const client = await connect(context, options);
  const entry = await client.get<ConfigEntry>(path);
  if (options.json === true) {
    writeJson(context.stdout, entry);
    return;
  }
  writeValue(context.stdout, entry.value);
}

export async function listConfig(context: CliContext, options: Options): Promise<void> {
  const { path, where } = configPath(context, options);
  const client = await connect(context, options);
  const { config } = await client.get<{ config: ConfigEntry[] }>(path);
  if (options.json === true) {
    writeJson(context.stdout, { config });
    return;
  }
  writeTable(context, ['KEY', 'VALUE', 'UPDATED'], config.map((entry) => [entry.key, entry.value, entry.updatedAt]), `The ${where} has no configuration yet.`);
}

export async function deleteConfig(context: CliContext, key: string, options: Options): Promise<void> {
  assertValidKeys([key], 'configuration key');
  const { path, where } = configPath(context, options, key);
  const client = await connect(context, options);
  await client.delete(path);
  writeNote(context.stderr, `Deleted configuration ${key} of ${where}.`);
}
