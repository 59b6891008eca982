/**
 * The keys acknowledged within the de-duplication window, oldest first. Every store uses it to
 * answer "was this key acknowledged recently?" without a scan: expired keys fall off the front.
 *
 * A busy hub acknowledges tens of thousands of messages a second, so this is built to be cheap to
 * hold: one map per queue, keyed by the message id string the message already carried (no new
 * key string per entry), with times kept as small whole numbers from a base (no boxed number).
 */
import type { EntryKey } from '../protocol/envelope';

export class AckedKeys {
  // Each Map iterates in insertion order, which is acknowledgement order within its queue.
  private readonly queues = new Map<string, Map<string, number>>();
  private base: number | undefined;

  constructor(private readonly windowMs: number) {}

  /** Remembers `key` as acknowledged at `at` (ms since the epoch, never earlier than before). */
  add(key: EntryKey, at: number): void {
    if (this.windowMs <= 0) return;
    this.base ??= at;
    let queue = this.queues.get(key.queueId);
    if (!queue) this.queues.set(key.queueId, (queue = new Map()));
    queue.delete(key.messageId);
    queue.set(key.messageId, at - this.base);
  }

  /** Whether `key` was acknowledged within the window before `now`. */
  has(key: EntryKey, now: number): boolean {
    const queue = this.queues.get(key.queueId);
    if (!queue || this.base === undefined) return false;
    const oldest = now - this.base - this.windowMs;
    for (const [messageId, at] of queue) {
      if (at > oldest) break;
      queue.delete(messageId);
    }
    return queue.has(key.messageId);
  }
}
