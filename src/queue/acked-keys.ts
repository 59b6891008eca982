/**
 * The keys acknowledged within the de-duplication window, oldest first. Every store uses it to
 * answer "was this key acknowledged recently?" without a scan: expired keys fall off the front.
 *
 * A busy hub acknowledges tens of thousands of messages a second, so this is built to be cheap to
 * hold: one map per queue, keyed by the message id string the message already carried (no new
 * key string per entry), with times kept as small whole numbers from a base (no boxed number).
 *
 * Expired keys are dropped from the queue being asked about at once, and from every queue once per
 * window, so that a queue nobody asks about any more (a store that closed) does not keep its keys
 * for ever. That sweep costs one look at each queue's oldest key per window.
 */
import type { EntryKey } from '../protocol/envelope';

export class AckedKeys {
  // Each Map iterates in insertion order, which is acknowledgement order within its queue.
  private readonly queues = new Map<string, Map<string, number>>();
  private base: number | undefined;
  /** When (relative to `base`) every queue is next swept. */
  private nextSweep = 0;

  constructor(private readonly windowMs: number) {}

  /** Remembers `key` as acknowledged at `at` (ms since the epoch, never earlier than before). */
  add(key: EntryKey, at: number): void {
    if (this.windowMs <= 0) return;
    this.base ??= at;
    this.sweep(at - this.base);
    let queue = this.queues.get(key.queueId);
    if (!queue) this.queues.set(key.queueId, (queue = new Map()));
    queue.delete(key.messageId);
    queue.set(key.messageId, at - this.base);
  }

  /** Whether `key` was acknowledged within the window before `now`. */
  has(key: EntryKey, now: number): boolean {
    if (this.base === undefined) return false;
    this.sweep(now - this.base);
    const queue = this.queues.get(key.queueId);
    if (!queue) return false;
    this.prune(key.queueId, queue, now - this.base);
    return queue.has(key.messageId);
  }

  /** How many keys it holds, across all queues. */
  get size(): number {
    let size = 0;
    for (const queue of this.queues.values()) size += queue.size;
    return size;
  }

  /** Prunes every queue, at most once per window. `now` is relative to `base`. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [queueId, queue] of this.queues) this.prune(queueId, queue, now);
  }

  /** Drops `queue`'s keys that are out of the window at `now` (relative to `base`), and the queue once empty. */
  private prune(queueId: string, queue: Map<string, number>, now: number): void {
    const oldest = now - this.windowMs;
    for (const [messageId, at] of queue) {
      if (at > oldest) break;
      queue.delete(messageId);
    }
    if (queue.size === 0) this.queues.delete(queueId);
  }
}
