import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { PROJECT_ROOT } from './paths.mjs';
import { stopProcess } from './tresor-process.mjs';

const BASELINE_SERVER = path.join(PROJECT_ROOT, 'bench/baseline-server.mjs');

/** Starts bench/baseline-server.mjs in its own process, serving the bytes of `bodyFile`. */
export async function startBaselineServer(bodyFile) {
  const child = spawn(process.execPath, [BASELINE_SERVER, bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the baseline server exited with code ${code} before listening`)));
    lines.once('line', (line) => resolve(JSON.parse(line).port));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => stopProcess(child) };
}
