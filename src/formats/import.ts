import { parseDotenv } from './import-dotenv.js';
import { parseJsonSecrets } from './import-json.js';
import { parseYamlSecrets } from './import-yaml.js';
import type { ImportFormat, ImportResult } from './types.js';

/**
 * Reads a file's key/value pairs in the given format. Throws a FormatError that lists
 * every problem found, naming keys and lines but never values, and returns nothing partial.
 */
export function parseImport(text: string | Buffer, format: ImportFormat): ImportResult {
  switch (format) {
    case 'env':
      return parseDotenv(text);
    case 'json':
      return parseJsonSecrets(text);
    case 'yaml':
      return parseYamlSecrets(text);
  }
}
