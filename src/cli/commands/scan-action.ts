import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { Finding } from '../../scan/detection.js';
import { scanFiles, scanFolder, type ScanReport } from '../../scan/scan-files.js';
import type { CliContext } from '../context.js';
import { EXIT_FAILURE, UsageError } from '../errors.js';
import { displayText, plural, writeJson, writeNote, writeWarning } from '../output.js';
import type { ScanFormat } from './scan-commands.js';

/** Scans a folder or a file, prints the findings, and sets exit code 1 when there are any. */
export async function runScan(context: CliContext, options: { target: string; format: ScanFormat }): Promise<void> {
  const report = await scanTarget(options.target);

  for (const warning of report.warnings) {
    writeWarning(context.stderr, displayText(warning));
  }

  if (options.format === 'json') {
    writeJson(context.stdout, { findings: report.findings });
  } else {
    context.stdout.write(report.findings.map((finding) => `${formatFinding(finding)}\n`).join(''));
  }
  writeNote(context.stderr, summarize(report, options.target));

  if (report.findings.length > 0) {
    process.exitCode = EXIT_FAILURE;
  }
}

async function scanTarget(target: string): Promise<ScanReport> {
  let stats;
  try {
    stats = await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : `failed to read it (${code ?? 'unknown error'})`;
    throw new UsageError(`Can't scan ${displayText(target)}: ${problem}. Pass an existing folder, or no path to scan the current folder.`);
  }

  if (stats.isDirectory()) {
    return scanFolder(target);
  }
  if (stats.isFile()) {
    return scanFiles(path.dirname(target), [path.basename(target)]);
  }
  throw new UsageError(`Can't scan ${displayText(target)}: it is neither a folder nor a regular file. Pass a folder or a file.`);
}

// `file:line: kind: excerpt`, the shape editors and terminals turn into links.
function formatFinding(finding: Finding): string {
  return `${displayText(finding.file)}:${finding.line}: ${finding.kind}: ${displayText(finding.excerpt)}`;
}

function summarize(report: ScanReport, target: string): string {
  const scanned = `Scanned ${plural(report.scannedFiles, 'file')} in ${displayText(target)}`;
  const skipped = report.skippedFiles > 0 ? ` (skipped ${plural(report.skippedFiles, 'binary or large file')})` : '';

  if (report.findings.length === 0) {
    return `${scanned}${skipped}: no secrets found.`;
  }

  const files = new Set(report.findings.map((finding) => finding.file)).size;
  return (
    `${scanned}${skipped}: ${plural(report.findings.length, 'finding')} in ${plural(files, 'file')}. ` +
    'Store these values in Tresor (tresor secrets set), rotate them, and remove them from the files and the repository history.'
  );
}
