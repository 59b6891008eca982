/**
 * The keys acknowledged within the de-duplication window, oldest first. Every store uses it to
 * answer "was this key acknowledged recently?" without a scan: expired keys fall off the front.
 *
 * A busy hub acknowledges tens of thousands of messages a second, so this is built to be cheap to
 * hold: maps keyed by the message id string the message already carried (no new key string per
 * entry), with times kept as small whole numbers from a base (no boxed number).
 *
 * Each queue's keys are spread over 16 maps by the last characters of their ids, so that no one
 * map holds a whole queue's window (hundreds of thousands of keys at the hub's rates). V8 grows a
 * map, and reclaims the slots of deleted keys, by rehashing its whole table in one step: a `set`
 * that grew one map of uuid keys past 262,144 took 139 ms, during which the hub did nothing else.
 * And a map whose first keys were deleted steps over every deleted slot again each time it is read
 * from the front, until it is next rehashed, which is how expired keys are found. Both costs are
 * now a sixteenth (docs/benchmarks.md, "The de-duplication window in shards").
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

/** The shard of a message id, from its last three characters: random in a uuid, varied in a counter. */
function shardOf(messageId: string): number {
  const n = messageId.length;
  return (messageId.charCodeAt(n - 1) + 3 * (messageId.charCodeAt(n - 2) | 0) + 9 * (messageId.charCodeAt(n - 3) | 0)) & (SHARDS - 1);
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
