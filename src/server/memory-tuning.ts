import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in
 * percent. By default V8 let it reach nearly four times the live size here (`--trace-gc`).
 * Under delivery load the live heap is about 17 MB, and requests' promoted garbage then
 * filled the old generation to 60 MB or more before the next full collection. The
 * server's memory after a burst read anywhere from 115 to 155 MB. At 50 % it stayed at 111
 * to 124 MB, with the same throughput within the noise (docs/benchmarks.md).
 */
const OLD_GENERATION_GROWTH_PERCENT = 50;

/**
 * Bounds the server process's heap growth. Call it once, at the start of a process that
 * only serves. V8 reads this setting at every full collection, so it takes effect at run
 * time, unlike the young generation's size, which only `--max-semi-space-size` at process
 * start sets (`npm start` passes it). A V8 without the setting prints "unrecognized flag"
 * on stderr and runs on unchanged.
 */
export function boundHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}
