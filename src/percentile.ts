import type { Histogram } from 'hdr-histogram-js';

/**
 * The value at percentile `p` (0–100) of an HdrHistogram, or 0 when it is empty. HdrHistogram
 * answers with the top of the bucket the percentile falls in, which can pass the largest value
 * recorded (a p99 of 18015 ms over a maximum of 18010); this never passes the histogram's
 * `maxValue`. That is the largest value recorded in it, but in a histogram decoded from text or
 * merged from others (the benchmark's) it is itself its bucket's top, so a little above.
 *
 * @example
 *   percentile(histogram, 99) // ≤ histogram.maxValue
 */
export function percentile(histogram: Histogram, p: number): number {
  return histogram.totalCount ? Math.min(histogram.getValueAtPercentile(p), histogram.maxValue) : 0;
}
