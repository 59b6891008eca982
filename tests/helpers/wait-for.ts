/**
 * Synchronising on events, never on sleeps. Each helper fails with a clear message after a
 * generous timeout, so a test that would hang fails instead, and says what it was waiting for.
 */

/**
 * Anything with `on`/`off`: Node emitters, Socket.IO sockets (typed or not), child-process streams.
 * The parameters are loose on purpose: a typed socket's `on` accepts only its own event names.
 */
export interface Listenable {
  on(event: any, listener: any): unknown;
  off(event: any, listener: any): unknown;
}

/**
 * How long a wait may take before the test fails as hung. It detects hangs, it measures nothing: a
 * child process's ts-node start alone took 10–30 s on two cores under a load average of 25.
 */
export const WAIT_MS = 90_000;

/**
 * Resolves with the arguments of the first `event` for which `accept` returns true.
 * @example const [envelope] = await waitFor(socket, 'pickup');
 */
export function waitFor<T extends unknown[] = any[]>(
  source: Listenable,
  event: string,
  accept: (...args: T) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!accept(...(args as T))) return;
      clearTimeout(timer);
      source.off(event, listener);
      resolve(args as T);
    };
    source.on(event, listener);
  });
}

/** Collects the first argument of every `event` until `count` have arrived. */
export function collect<T = any>(source: Listenable, event: string, count: number, timeoutMs = WAIT_MS): Promise<T[]> {
  const items: T[] = [];
  return waitFor(source, event, (item: T) => items.push(item) >= count, timeoutMs).then(() => items);
}

/**
 * Re-checks `condition` each time `source` emits one of `events`, and resolves once it holds
 * (at once, if it already does).
 */
export function until(source: Listenable, events: string[], condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return;
      done();
      resolve();
    };
    const done = () => {
      clearTimeout(timer);
      for (const event of events) source.off(event, check);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}`));
    }, timeoutMs);
    for (const event of events) source.on(event, check);
  });
}

/** Fails the test if `event` fires on `source` while `during` runs. */
export async function expectNo(source: Listenable, event: string, during: () => Promise<unknown>): Promise<void> {
  const seen: unknown[] = [];
  const listener = (...args: unknown[]) => seen.push(args);
  source.on(event, listener);
  try {
    await during();
  } finally {
    source.off(event, listener);
  }
  if (seen.length > 0) throw new Error(`"${event}" fired ${seen.length} time(s): ${JSON.stringify(seen[0])}`);
}
