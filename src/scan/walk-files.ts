import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Folders never scanned, at any depth: version control data, installed dependencies and
 * build output. Their files are git's own, other people's code, or built from the sources.
 */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules', 'dist']);

/** A folder that could not be listed, reported as a warning instead of ending the scan. */
export interface UnreadableFolder {
  folder: string;
  code: string;
}

/**
 * Lists the regular files under `root` as paths relative to it, with `/` separators,
 * in a stable order. Symbolic links are not followed, so a link can neither loop nor
 * lead outside the folder, and sockets and FIFOs are never opened.
 */
export async function walkFiles(root: string, onUnreadable: (folder: UnreadableFolder) => void): Promise<string[]> {
  const files: string[] = [];
  const pending: string[] = [''];

  while (pending.length > 0) {
    const relative = pending.pop()!;
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      onUnreadable({ folder: relative === '' ? '.' : relative, code: (error as NodeJS.ErrnoException).code ?? 'unknown error' });
      continue;
    }

    for (const entry of entries) {
      const entryPath = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
        pending.push(entryPath);
      } else if (entry.isFile()) {
        files.push(entryPath);
      }
    }
  }
  return files.sort();
}
