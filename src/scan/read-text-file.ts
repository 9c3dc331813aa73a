import { open } from 'node:fs/promises';

/** Files above 1 MiB are skipped: they are data or build output, not hand-written configuration. */
export const MAX_FILE_BYTES = 1024 * 1024;

export type FileText = { text: string } | { skipped: 'binary' | 'too large' };

/** Reads a file once, as UTF-8 text, unless it is larger than 1 MiB or contains a NUL byte. */
export async function readTextFile(filePath: string): Promise<FileText> {
  const handle = await open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) {
      return { skipped: 'too large' };
    }

    // The file may have grown since the stat call.
    const bytes = await handle.readFile();
    if (bytes.length > MAX_FILE_BYTES) {
      return { skipped: 'too large' };
    }
    if (bytes.includes(0)) {
      return { skipped: 'binary' };
    }
    return { text: bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}
