import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TRESOR_BIN = path.join(PROJECT_ROOT, 'dist/cli/bin.js');
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench/results');

/** Imports a module of the built project, such as `store/database.js`. */
export function importDist(relativePath) {
  return import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', relativePath)).href);
}
