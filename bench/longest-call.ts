/**
 * The longest of the calls a loop times, in wall milliseconds: what one message waited behind, such
 * as a table's rehash, where a mean CPU time per call hides it.
 *
 * @example
 *   const longest = new LongestCall();
 *   for (const id of ids) longest.time(() => keys.add(id));
 *   longest.ms; // the slowest add
 */
import { performance } from 'node:perf_hooks';

export class LongestCall {
  /** The longest call timed so far (ms). */
  ms = 0;

  /** Runs `call`, keeping its time if it is the longest yet. */
  time(call: () => unknown): void {
    const start = performance.now();
    call();
    this.ms = Math.max(this.ms, performance.now() - start);
  }
}
