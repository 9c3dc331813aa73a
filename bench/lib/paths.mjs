import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TRESOR_BIN = path.join(PROJECT_ROOT, 'dist/cli/bin.js');
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench/results');

/** Imports a module of the built project, such as `store/database.js`. */
export function importDist(relativePath) {
  return import(pathToFileURL(path.join(PROJECT_ROOT, 'dist', relativePath)).href);
}

/**
 * Returns the Node.js options that `npm start` gives the server, such as
 * `--max-semi-space-size=8`, so the benchmarks run the server the way users start it.
 */
export function startScriptNodeOptions() {
  const packageJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
  // `exec` makes the shell that npm runs the script in hand its signals to node.
  const words = packageJson.scripts.start.split(/\s+/).filter((word) => word !== 'exec');
  const script = words.indexOf('dist/cli/bin.js');
  if (words[0] !== 'node' || script === -1) {
    throw new Error(`The start script "${packageJson.scripts.start}" does not run node dist/cli/bin.js. Update startScriptNodeOptions in bench/lib/paths.mjs.`);
  }
  return words.slice(1, script);
}
