// Runs Tresor's benchmarks and prints each figure with its ratio to a baseline or limit and
// PASS or FAIL. It is a report, not a test: it exits 0 when targets fail, and 1 only when
// a benchmark could not run at all. Results go to bench/results/<name>.json.
//
// Usage: npm run bench [-- --only=delivery,run,scale,writes] [--duration=10] [--runs=30] [--log-level=info]
import { parseArgs } from 'node:util';

import { benchDelivery } from './delivery.mjs';
import { assertBuilt } from './lib/tresor-process.mjs';
import { describeMachine, printTable, writeResult } from './lib/report.mjs';
import { benchRunStartup } from './run-startup.mjs';
import { benchScale } from './scale.mjs';
import { benchWrites } from './writes.mjs';

const BENCHMARKS = ['delivery', 'run', 'scale', 'writes'];
const MIN_RUNS = 20;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: BENCHMARKS.join(',') },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '30' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'Usage: node bench/run-all.mjs [--only=delivery,run,scale,writes] [--duration=SECONDS] [--runs=N] [--log-level=LEVEL]\n' +
      '  --only       benchmarks to run, comma-separated (default: all)\n' +
      '  --duration   seconds of load per target and concurrency (default: 10)\n' +
      `  --runs       runs of each command in the run benchmark, at least ${MIN_RUNS} (default: 30)\n` +
      '  --log-level  log level of the Tresor servers under test (default: info, as `tresor server` runs)\n',
  );
  process.exit(0);
}

const only = values.only.split(',').map((name) => name.trim()).filter((name) => name !== '');
const unknown = only.filter((name) => !BENCHMARKS.includes(name));
const durationSeconds = Number(values.duration);
const runs = Number(values.runs);
if (unknown.length > 0 || !(durationSeconds > 0) || !Number.isInteger(runs) || runs < MIN_RUNS) {
  process.stderr.write(
    `Invalid options: --only takes ${BENCHMARKS.join(', ')}; --duration takes a number of seconds above 0; --runs takes a whole number of at least ${MIN_RUNS}.\n`,
  );
  process.exit(2);
}

assertBuilt();
const options = { only, durationSeconds, runs, logLevel: values['log-level'] };
const warmUpSeconds = Math.min(2, Math.max(1, durationSeconds / 5));
const log = (message) => process.stderr.write(`${message}\n`);
const machine = await describeMachine();
process.stdout.write(
  `# Tresor benchmarks\n\n${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GB, Node.js ${machine.node}; ` +
    `${durationSeconds} s per load, server log level ${options.logLevel}\n`,
);

const outcomes = [];
let deliveryP50Ms;
for (const name of BENCHMARKS.filter((benchmark) => only.includes(benchmark))) {
  const common = { durationSeconds, warmUpSeconds, logLevel: options.logLevel, log };
  try {
    let result;
    switch (name) {
      case 'delivery':
        result = await benchDelivery(common);
        deliveryP50Ms = result.details.runs.find((run) => run.connections === 1)?.tresor.p50Ms;
        break;
      case 'run':
        result = await benchRunStartup({ ...common, runs, deliveryP50Ms });
        break;
      case 'scale':
        result = await benchScale(common);
        break;
      case 'writes':
        result = await benchWrites(common);
        break;
    }
    printTable(result);
    const file = await writeResult(result, options);
    log(`wrote ${file}`);
    outcomes.push({ name, failed: result.checks.filter((check) => !check.pass).map((check) => check.metric) });
  } catch (error) {
    process.stdout.write(`\n## ${name}: ERROR\n\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    outcomes.push({ name, error: true });
  }
}

process.stdout.write('\n## Summary\n\n');
for (const outcome of outcomes) {
  if (outcome.error) {
    process.stdout.write(`- ${outcome.name}: ERROR (did not run to the end)\n`);
  } else if (outcome.failed.length > 0) {
    process.stdout.write(`- ${outcome.name}: FAIL: ${outcome.failed.join('; ')}\n`);
  } else {
    process.stdout.write(`- ${outcome.name}: PASS\n`);
  }
}
process.exitCode = outcomes.some((outcome) => outcome.error) ? 1 : 0;
