import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Reads the .cpuprofile files in a folder (written by `node --cpu-prof`) and sums the
 * self time of every function and of every package, from the sample counts.
 */
export async function summarizeCpuProfiles(folder) {
  const files = (await readdir(folder)).filter((file) => file.endsWith('.cpuprofile'));
  const byFunction = new Map();
  const byPackage = new Map();
  let totalSamples = 0;

  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(folder, file), 'utf8'));
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) {
        continue;
      }
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url === '' ? '(native)' : `${shortenUrl(url)}:${lineNumber + 1}`;
      const name = `${functionName || '(anonymous)'} ${where}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
      const owner = packageOf(url, functionName);
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + hits);
      totalSamples += hits;
    }
  }

  const ranked = (map) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, samples]) => ({ name, share: samples / totalSamples }));
  return { files, totalSamples, functions: ranked(byFunction), packages: ranked(byPackage) };
}

function shortenUrl(url) {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    return url.slice(modules + '/node_modules/'.length);
  }
  const dist = url.lastIndexOf('/dist/');
  return dist === -1 ? url.replace(/^file:\/\//, '') : url.slice(dist + 1);
}

/** Returns the npm package, the project folder (dist/...) or the Node.js area that a sample belongs to. */
function packageOf(url, functionName) {
  if (url === '') {
    return ['(garbage collector)', '(idle)', '(program)'].includes(functionName) ? functionName : '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) {
    return url.split('/').slice(0, 2).join('/');
  }
  const dist = url.lastIndexOf('/dist/');
  return dist === -1 ? url : path.dirname(url.slice(dist + 1));
}

export function printCpuSummary(summary, { top = 25, out = process.stdout } = {}) {
  const percent = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;
  out.write(`\n${summary.totalSamples} samples in ${summary.files.length} profile(s)\n\nSelf time by package or folder:\n`);
  for (const { name, share } of summary.packages.slice(0, top)) {
    out.write(`  ${percent(share)}  ${name}\n`);
  }
  out.write('\nSelf time by function:\n');
  for (const { name, share } of summary.functions.slice(0, top)) {
    out.write(`  ${percent(share)}  ${name}\n`);
  }
}
