import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { RESULTS_DIR } from './paths.mjs';

/**
 * Compares one figure with its target. `reference` is what the figure is divided by: a
 * baseline measured in the same run, or the target's fixed limit.
 */
function check({ metric, unit, value, reference, referenceName, limitRatio, direction }) {
  const ratio = value / reference;
  const pass = direction === 'max' ? ratio <= limitRatio : ratio >= limitRatio;
  const sign = direction === 'max' ? '≤' : '≥';
  const target = referenceName === 'limit' ? `${sign} ${formatValue(reference, unit)}` : `${sign} ${limitRatio.toFixed(2)}× ${referenceName}`;
  return { metric, unit, value, reference, referenceName, ratio, target, pass };
}

/** The figure must be at least `minRatio` times a baseline of the same run. */
export function atLeastTimes(metric, unit, value, baseline, minRatio, baselineName = 'baseline') {
  return check({ metric, unit, value, reference: baseline, referenceName: baselineName, limitRatio: minRatio, direction: 'min' });
}

/** The figure must be at most `maxRatio` times a baseline of the same run. */
export function atMostTimes(metric, unit, value, baseline, maxRatio, baselineName = 'baseline') {
  return check({ metric, unit, value, reference: baseline, referenceName: baselineName, limitRatio: maxRatio, direction: 'max' });
}

/** The figure must be at most a fixed limit; the ratio is figure / limit. */
export function atMost(metric, unit, value, limit) {
  return check({ metric, unit, value, reference: limit, referenceName: 'limit', limitRatio: 1, direction: 'max' });
}

/** The figure must be at least a fixed limit; the ratio is figure / limit. */
export function atLeast(metric, unit, value, limit) {
  return check({ metric, unit, value, reference: limit, referenceName: 'limit', limitRatio: 1, direction: 'min' });
}

export function formatValue(value, unit) {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  switch (unit) {
    case 'req/s':
    case 'writes/s':
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
    case 'ms':
      return `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ms`;
    case 'bytes':
      return `${(value / (1024 * 1024)).toFixed(1)} MB`;
    default:
      return `${value} ${unit}`;
  }
}

/** Prints a benchmark's checks as an aligned table, followed by its notes. */
export function printTable(result, out = process.stdout) {
  const header = ['metric', 'Tresor', 'reference', 'ratio', 'target', 'result'];
  const rows = result.checks.map((item) => [
    item.metric,
    formatValue(item.value, item.unit),
    item.referenceName === 'limit' ? 'limit' : `${formatValue(item.reference, item.unit)} (${item.referenceName})`,
    `${item.ratio.toFixed(2)}×`,
    item.target,
    item.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;

  out.write(`\n## ${result.title}\n\n`);
  out.write(`${line(header)}\n`);
  out.write(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n`);
  for (const row of rows) {
    out.write(`${line(row)}\n`);
  }
  for (const note of result.notes ?? []) {
    out.write(`\n${note}`);
  }
  out.write('\n');
}

/** Writes a benchmark's result to bench/results/<name>.json with the machine it ran on. */
export async function writeResult(result, options) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.name}.json`);
  const document = { ...result, finishedAt: new Date().toISOString(), options, machine: await describeMachine() };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

export async function describeMachine() {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model,
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
