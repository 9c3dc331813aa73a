import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs `use` with a new folder under the system's temporary folder and deletes it afterwards. */
export async function withTempDir(prefix, use) {
  const folder = await mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await use(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
