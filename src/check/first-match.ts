/**
 * Waiting for the first item, already seen or still to come, that matches: the one way the checker
 * waits for a probe's events, a student's events and a student's output lines.
 */
import type { EventEmitter } from 'node:events';
import { answerWithin } from './requirement';

/**
 * Resolves with the first of `items` that `matches`, or with the first that `source` emits as
 * `event` later; fails with "no answer in N s: <what>" after `timeoutMs`.
 *
 * @param items the items seen so far, which `source` appends to before it emits each one
 */
export async function firstMatch<T>(
  items: readonly T[],
  source: EventEmitter<any>,
  event: string,
  matches: (item: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const seen = items.find(matches);
  if (seen !== undefined) return seen;
  let listener: ((item: T) => void) | undefined;
  const arrived = new Promise<T>((resolve) => {
    listener = (item: T) => {
      if (matches(item)) resolve(item);
    };
    source.on(event, listener);
  });
  try {
    return await answerWithin(arrived, timeoutMs, what);
  } finally {
    source.off(event, listener!);
  }
}
