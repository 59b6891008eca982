/**
 * A wall clock with sub-millisecond resolution that agrees across processes on one machine:
 * `performance.timeOrigin` is the process's start on the system clock, `performance.now()` the
 * monotonic time since. Generators stamp messages with it, so a receiver in another process can
 * tell a one-way latency.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds since the epoch, with a fractional part. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
