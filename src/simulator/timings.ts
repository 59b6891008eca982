/**
 * A run's speed, from the same journals the judge reads: throughput, and the latency from a vendor
 * posting an order (the envelope's `postedAt`, kept in the `posted` record) to the vendor thanking
 * for its delivery (the `thanked` record's stamp, see stamped-journal.ts).
 *
 * An order posted before a vendor restart keeps its first `postedAt`, so its latency includes the
 * outage: that is the latency a customer would see.
 */
import { build } from 'hdr-histogram-js';
import { percentile } from '../percentile';
import type { ClientJournal } from './journals';

export interface Timings {
  /** Pickup→notification latency percentiles and maximum, in ms (0 when there were no samples). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Orders with both a `postedAt` and a thank-you stamp. */
  latencySamples: number;
  /** From the first order posted to the last thank-you. */
  durationMs: number;
  /** Orders thanked per second over `durationMs`. */
  ordersPerSecond: number;
}

const atOf = (data: unknown, key: 'at' | 'postedAt'): number | undefined => {
  const value = (data as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' ? value : undefined;
};

export function timings(journals: ClientJournal[]): Timings {
  const postedAt = new Map<string, number>();
  const thankedAt = new Map<string, number>();
  for (const journal of journals) {
    if (journal.role !== 'vendor') continue;
    for (const { kind, id, data } of journal.records) {
      if (kind === 'posted' && !postedAt.has(id)) {
        const at = atOf(data, 'postedAt');
        if (at !== undefined) postedAt.set(id, at);
      } else if (kind === 'thanked' && !thankedAt.has(id)) {
        const at = atOf(data, 'at');
        if (at !== undefined) thankedAt.set(id, at);
      }
    }
  }

  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 24 * 3600 * 1000, numberOfSignificantValueDigits: 3 });
  for (const [id, thanked] of thankedAt) {
    const posted = postedAt.get(id);
    // Clocks are one machine's, but never trust a negative difference to the histogram.
    if (posted !== undefined) histogram.recordValue(Math.max(0, thanked - posted));
  }
  // A loop, not Math.min(...values): spreading 100k arguments overflows the stack.
  let first = Infinity;
  let last = -Infinity;
  for (const at of postedAt.values()) first = Math.min(first, at);
  for (const at of thankedAt.values()) last = Math.max(last, at);
  const durationMs = Number.isFinite(first) && Number.isFinite(last) ? Math.max(0, last - first) : 0;
  const samples = histogram.totalCount;
  return {
    p50Ms: percentile(histogram, 50),
    p99Ms: percentile(histogram, 99),
    maxMs: samples ? histogram.maxValue : 0,
    latencySamples: samples,
    durationMs,
    ordersPerSecond: durationMs > 0 ? Math.round((thankedAt.size / durationMs) * 1000 * 10) / 10 : 0,
  };
}
