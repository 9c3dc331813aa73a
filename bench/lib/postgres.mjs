import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import ts from 'typescript';

import { PROJECT_ROOT } from './paths.mjs';

const CLUSTER_SOURCE = path.join(PROJECT_ROOT, 'test/support/postgres-cluster.ts');
// Inside the project, so that the transpiled module resolves `pg` from its node_modules.
const BUILD_DIR = path.join(PROJECT_ROOT, 'bench/.build');

/**
 * Loads the test suite's throwaway PostgreSQL cluster helper. It is TypeScript and the
 * benchmarks run on plain Node.js, so it is transpiled (types removed, nothing checked) to
 * bench/.build/ first.
 */
export async function loadPostgresCluster() {
  const source = await readFile(CLUSTER_SOURCE, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: CLUSTER_SOURCE,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  await mkdir(BUILD_DIR, { recursive: true });
  const file = path.join(BUILD_DIR, 'postgres-cluster.mjs');
  await writeFile(file, outputText);
  return import(pathToFileURL(file).href);
}
