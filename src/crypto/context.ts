/**
 * Additional authenticated data (AAD) for the envelope. Each builder encodes a label and
 * the ids of the row as a JSON array. JSON quotes and escapes every string, so two
 * different tuples never give the same bytes. The label keeps a value's context apart
 * from a data key's context.
 */

const VALUE_CONTEXT_LABEL = 'tresor/value/v1';
const DATA_KEY_CONTEXT_LABEL = 'tresor/data-key/v1';

export interface ValueContextIds {
  appId: string;
  environmentId: string;
  moduleId: string;
  key: string;
  version: number;
  dataKeyVersion: number;
}

export interface DataKeyContextIds {
  appId: string;
  environmentId: string;
  moduleId: string;
  dataKeyVersion: number;
}

/** Builds the AAD of one secret version's value, sealed under its scope's data key. */
export function valueContext(ids: ValueContextIds): Buffer {
  assertVersion('version', ids.version);
  assertVersion('dataKeyVersion', ids.dataKeyVersion);

  return encodeContext([
    VALUE_CONTEXT_LABEL,
    ids.appId,
    ids.environmentId,
    ids.moduleId,
    ids.key,
    ids.version,
    ids.dataKeyVersion,
  ]);
}

/** Builds the AAD of a data key of one (app, environment, module), wrapped by a root key. */
export function dataKeyContext(ids: DataKeyContextIds): Buffer {
  assertVersion('dataKeyVersion', ids.dataKeyVersion);

  return encodeContext([
    DATA_KEY_CONTEXT_LABEL,
    ids.appId,
    ids.environmentId,
    ids.moduleId,
    ids.dataKeyVersion,
  ]);
}

function encodeContext(parts: ReadonlyArray<string | number>): Buffer {
  return Buffer.from(JSON.stringify(parts), 'utf8');
}

// Versions are counters. JSON writes NaN and Infinity as null, so letting them through
// would make two different contexts encode to the same bytes.
function assertVersion(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field} must be a non-negative integer, got ${String(value)}.`);
  }
}
