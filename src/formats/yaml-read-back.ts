import { isMap, isScalar, parseDocument } from 'yaml';

/**
 * A mapping read back from YAML: scalar keys and values become their values, nested
 * collections stay nodes for `readNestedMapping`. Pairs are read one by one instead of
 * through `toJS`, so that a key such as `__proto__` stays an ordinary key.
 */
export type ReadBackMapping = Map<unknown, unknown>;

/** Reads the top-level mapping of `text` as a YAML reader of `version` does, or returns null. */
export function readYamlMapping(text: string, version: '1.1' | '1.2'): ReadBackMapping | null {
  const options = version === '1.2' ? { version, schema: 'core' } as const : { version };
  const document = parseDocument(text, { ...options, uniqueKeys: false, merge: false });
  if (document.errors.length > 0) {
    return null;
  }
  return readNestedMapping(document.contents);
}

export function readNestedMapping(node: unknown): ReadBackMapping | null {
  if (!isMap(node)) {
    return null;
  }
  const mapping: ReadBackMapping = new Map();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    const value = isScalar(pair.value) ? pair.value.value : pair.value;
    mapping.set(key, value);
  }
  return mapping;
}

/**
 * Lists the keys whose value in `mapping` differs from the given string pairs. When the
 * mapping is missing or has other keys too, every key is listed.
 */
export function listMismatchedKeys(
  mapping: ReadBackMapping | null,
  pairs: ReadonlyArray<readonly [string, string]>,
): string[] {
  const keys = pairs.map(([key]) => key);
  if (mapping === null) {
    return keys;
  }
  const mismatched = pairs.filter(([key, value]) => mapping.get(key) !== value).map(([key]) => key);
  return mismatched.length === 0 && mapping.size !== pairs.length ? keys : mismatched;
}
