/**
 * The keys acknowledged within the de-duplication window. Every store uses it to answer "was this
 * key acknowledged recently?" without a scan: each map keeps its keys oldest first, and expired
 * keys fall off its front.
 *
 * A busy hub acknowledges tens of thousands of messages a second, so this is built to be cheap to
 * hold: maps keyed by the message id string the message already carried (no new key string per
 * entry), with times kept as small whole numbers from a base (no boxed number).
 *
 * Each queue's keys are spread over 16 maps by a hash of their ids, so that no one map holds a
 * whole queue's window (hundreds of thousands of keys at the hub's rates). V8 grows a map, and
 * reclaims the slots of deleted keys, by rehashing its whole table in one step, during which the
 * hub does nothing else. And a map whose first keys were deleted steps over every deleted slot
 * again each time it is read from the front, until it is next rehashed, which is how expired keys
 * are found. With one map per queue, a burst of 300,000 keys cost 5.1–5.6 µs per check as it
 * expired, and single calls of 11–17 ms; with 16, 1.7–2.0 µs and 5–9 ms (bench/dedup-expiry.ts;
 * docs/benchmarks.md, "The de-duplication window in shards").
 *
 * Expired keys are dropped from the map of the key being asked about at once, and from every map
 * once per window, so that a queue nobody asks about any more (a store that closed) does not keep
 * its keys for ever. That sweep costs one look at each map's oldest key per window.
 */
import type { EntryKey } from '../protocol/envelope';

/** Maps per queue (a power of two). A queue's maps are made as its keys first need them. */
const SHARDS = 16;

/** A queue's maps, by shard: each iterates in insertion order, its keys' acknowledgement order. */
type Shards = (Map<string, number> | undefined)[];

/**
 * The shard of a message id: FNV-1a over the whole id (at most 128 characters), so that ids that
 * differ only in their middle (`order-17-pickup`, `order-18-pickup`) spread as well as uuids do.
 */
function shardOf(messageId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) hash = Math.imul(hash ^ messageId.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 16)) & (SHARDS - 1);
}

export class AckedKeys {
  private readonly queues = new Map<string, Shards>();
  private base: number | undefined;
  /** When (relative to `base`) every queue is next swept. */
  private nextSweep = 0;

  constructor(private readonly windowMs: number) {}

  /** Remembers `key` as acknowledged at `at` (ms since the epoch, never earlier than before). */
  add(key: EntryKey, at: number): void {
    if (this.windowMs <= 0) return;
    this.base ??= at;
    this.sweep(at - this.base);
    let shards = this.queues.get(key.queueId);
    if (!shards) this.queues.set(key.queueId, (shards = new Array<undefined>(SHARDS).fill(undefined)));
    const index = shardOf(key.messageId);
    const shard = (shards[index] ??= new Map());
    shard.delete(key.messageId);
    shard.set(key.messageId, at - this.base);
  }

  /** Whether `key` was acknowledged within the window before `now`. */
  has(key: EntryKey, now: number): boolean {
    if (this.base === undefined) return false;
    this.sweep(now - this.base);
    const shard = this.queues.get(key.queueId)?.[shardOf(key.messageId)];
    if (!shard) return false;
    this.prune(shard, now - this.base);
    return shard.has(key.messageId);
  }

  /** How many keys it holds, across all queues. */
  get size(): number {
    let size = 0;
    for (const shards of this.queues.values()) for (const shard of shards) size += shard?.size ?? 0;
    return size;
  }

  /** Prunes every queue, at most once per window. `now` is relative to `base`. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [queueId, shards] of this.queues) {
      for (const shard of shards) if (shard) this.prune(shard, now);
      if (shards.every((shard) => !shard?.size)) this.queues.delete(queueId);
    }
  }

  /** Drops `shard`'s keys that are out of the window at `now` (relative to `base`). */
  private prune(shard: Map<string, number>, now: number): void {
    const oldest = now - this.windowMs;
    for (const [messageId, at] of shard) {
      if (at > oldest) break;
      shard.delete(messageId);
    }
  }
}
