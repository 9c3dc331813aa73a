import type { ExportResult, SecretEntry } from './types.js';

/** Writes the entries as one pretty-printed JSON object of strings, in the given order. */
export function exportJson(entries: readonly SecretEntry[]): ExportResult {
  // Object.fromEntries defines own properties, so even a key named __proto__ is kept.
  const object = Object.fromEntries(entries.map(({ key, value }) => [key, value]));
  return { text: `${JSON.stringify(object, null, 2)}\n`, warnings: [] };
}
