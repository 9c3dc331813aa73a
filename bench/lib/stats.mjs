/** Returns the value at quantile q (0..1) of an ascending array, by the nearest-rank method. */
export function percentile(sorted, q) {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Summarizes a list of numbers: median, quartiles and extremes. */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    min: sorted[0],
    p25: percentile(sorted, 0.25),
    median: percentile(sorted, 0.5),
    p75: percentile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}
