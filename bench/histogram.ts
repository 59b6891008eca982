/**
 * Latency histograms (hdr-histogram-js) in microseconds, and the little the benchmark needs from
 * them: record, ship across IPC as text, merge, and summarise in milliseconds.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { percentile } from '../src/percentile';

/** The highest latency tracked: one minute, in microseconds. Anything slower is clamped to it. */
const HIGHEST_US = 60_000_000;

/** p50, p99 and max of one histogram, in milliseconds; `count` is how many values it holds. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A new, empty histogram of microseconds with 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Records one latency given in milliseconds (fractions welcome); negative clock skew counts as 0. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.min(HIGHEST_US, Math.max(0, Math.round(ms * 1000))));
}

/** The histogram as compact text, to send to the parent over IPC. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** One histogram holding every value of the encoded ones. */
export function mergeHistograms(encoded: string[]): Histogram {
  const merged = latencyHistogram();
  for (const text of encoded) merged.add(decodeFromCompressedBase64(text));
  return merged;
}

export function summarise(histogram: Histogram): LatencySummary {
  const ms = (us: number) => us / 1000;
  return {
    count: histogram.totalCount,
    p50Ms: ms(percentile(histogram, 50)),
    p99Ms: ms(percentile(histogram, 99)),
    maxMs: ms(histogram.maxValue),
  };
}
