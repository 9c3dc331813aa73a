import path from 'node:path';

import type { Finding } from './detection.js';
import { findSecretsInText } from './find-secrets-in-text.js';
import { readTextFile } from './read-text-file.js';
import { walkFiles } from './walk-files.js';

export interface ScanReport {
  /** Sorted by file, then line, then kind, with one finding per (file, line, kind). */
  findings: Finding[];
  scannedFiles: number;
  /** Files left out because they are binary or larger than 1 MiB. */
  skippedFiles: number;
  /**
   * Files and folders that could not be read or scanned, one message each, without their
   * content. A name may contain control characters, so the caller escapes each message.
   */
  warnings: string[];
}

/** Scans every file under `root`, except the skipped folders, symbolic links, binary and large files. */
export async function scanFolder(root: string): Promise<ScanReport> {
  const warnings: string[] = [];
  const files = await walkFiles(root, ({ folder, code }) => {
    warnings.push(`Failed to read folder ${folder} (${code}), so its files were not scanned.`);
  });
  return scanFiles(root, files, warnings);
}

/** Scans `files`, given relative to `root` with `/` separators, in the order given. */
export async function scanFiles(root: string, files: readonly string[], warnings: string[] = []): Promise<ScanReport> {
  const report: ScanReport = { findings: [], scannedFiles: 0, skippedFiles: 0, warnings };

  for (const file of files) {
    const absolutePath = path.join(root, file);
    let content;
    try {
      content = await readTextFile(absolutePath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      warnings.push(`Failed to read ${file} (${code}), so it was not scanned.`);
      continue;
    }

    if ('skipped' in content) {
      report.skippedFiles += 1;
      continue;
    }

    let found;
    try {
      found = await findSecretsInText(content.text, { filePath: absolutePath, ext: path.extname(file) });
    } catch (error) {
      // Only the error's class is named, because a parser's message may quote the file's content.
      const name = error instanceof Error ? error.name : 'unknown error';
      warnings.push(`Failed to scan ${file} (${name}), so its findings are missing from this report.`);
      continue;
    }
    report.scannedFiles += 1;
    report.findings.push(...found.map((finding) => ({ file, ...finding })));
  }
  return report;
}
