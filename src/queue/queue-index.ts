/**
 * The in-memory picture of a store's contents that every store keeps: each queue's live entries in
 * `seq` order, its dead letters, the recently acknowledged keys, and the last `seq` handed out.
 *
 * It is synchronous and knows nothing of promises or disks. MemoryStore (memory-store.ts) is this
 * index behind the `QueueStore` interface; LmdbStore (lmdb-store.ts) decides every change from it
 * and writes the same change to disk, so that neither store reads a database to answer a call.
 *
 * Records are replaced, never changed in place: a caller may hold a record it was given (the broker
 * does), and must not see it change under it.
 */
import type { EntryKey } from '../protocol/envelope';
import { AckedKeys } from './acked-keys';
import type { DeadLetter, QueueDepth, StoredMessage } from './store';

export class QueueIndex {
  // Maps keep insertion order, and a key is only inserted with the newest seq (a replacement keeps
  // its place), so each queue's map is already in seq order.
  private readonly live = new Map<string, Map<string, StoredMessage>>();
  private readonly dead = new Map<string, Map<string, DeadLetter>>();
  private readonly acked: AckedKeys;
  /** The highest seq handed out so far. */
  lastSeq = 0;

  constructor(dedupWindowMs: number) {
    this.acked = new AckedKeys(dedupWindowMs);
  }

  /** Whether `key` is live, dead, or was acknowledged within the window: an `enqueue` duplicate. */
  isDuplicate(key: EntryKey, now: number): boolean {
    return this.live.get(key.queueId)?.has(key.messageId) || this.dead.get(key.queueId)?.has(key.messageId) || this.acked.has(key, now);
  }

  getLive(key: EntryKey): StoredMessage | undefined {
    return this.live.get(key.queueId)?.get(key.messageId);
  }

  getDead(key: EntryKey): DeadLetter | undefined {
    return this.dead.get(key.queueId)?.get(key.messageId);
  }

  /** Adds a live record at the end of its queue, or replaces one in its place. */
  setLive(record: StoredMessage): void {
    table(this.live, record.queueId).set(record.messageId, record);
  }

  setDead(letter: DeadLetter): void {
    table(this.dead, letter.queueId).set(letter.messageId, letter);
  }

  /** Removes a live record without acknowledging it (it is moving, e.g. to the dead letters). */
  takeLive(key: EntryKey): StoredMessage | undefined {
    return take(this.live, key);
  }

  takeDead(key: EntryKey): DeadLetter | undefined {
    return take(this.dead, key);
  }

  /** Removes a live record and remembers its key as acknowledged at `now`. */
  ack(key: EntryKey, now: number): StoredMessage | undefined {
    const record = take(this.live, key);
    if (record) this.acked.add(key, now);
    return record;
  }

  /** Remembers a key acknowledged at `at` (a durable store reloading its tombstones, oldest first). */
  rememberAcked(key: EntryKey, at: number): void {
    this.acked.add(key, at);
  }

  listLive(queueId: string): StoredMessage[] {
    return [...(this.live.get(queueId)?.values() ?? [])];
  }

  /** Dead letters of one queue or of all, oldest first. */
  listDead(queueId?: string): DeadLetter[] {
    const queues = queueId === undefined ? [...this.dead.values()] : [this.dead.get(queueId) ?? new Map<string, DeadLetter>()];
    return queues.flatMap((q) => [...q.values()]).sort((a, b) => a.deadAt - b.deadAt || a.seq - b.seq);
  }

  queues(): string[] {
    return [...new Set([...this.live.keys(), ...this.dead.keys()])];
  }

  depths(): Map<string, QueueDepth> {
    const depths = new Map<string, QueueDepth>();
    for (const name of this.queues()) {
      depths.set(name, { queued: this.live.get(name)?.size ?? 0, dead: this.dead.get(name)?.size ?? 0 });
    }
    return depths;
  }
}

function table<T>(maps: Map<string, Map<string, T>>, queueId: string): Map<string, T> {
  let queue = maps.get(queueId);
  if (!queue) maps.set(queueId, (queue = new Map()));
  return queue;
}

/** Removes and returns `key`'s record, dropping its queue once empty. */
function take<T>(maps: Map<string, Map<string, T>>, key: EntryKey): T | undefined {
  const queue = maps.get(key.queueId);
  const record = queue?.get(key.messageId);
  if (record === undefined) return undefined;
  queue!.delete(key.messageId);
  if (queue!.size === 0) maps.delete(key.queueId);
  return record;
}

/** `record` with `owner` set, or cleared when `undefined`: a new object, as QueueIndex requires. */
export function withOwner(record: StoredMessage, owner: string | undefined): StoredMessage {
  // Spreading and adding is much cheaper than a rest pattern, and setting an owner is the common case.
  if (owner !== undefined) return { ...record, owner };
  const { owner: _previous, ...rest } = record;
  return rest;
}

/** A dead letter back in line: a new `seq`, and no owner, reason or time of death. */
export function requeued(letter: DeadLetter, seq: number): StoredMessage {
  const { reason: _reason, deadAt: _deadAt, owner: _owner, ...message } = letter;
  return { ...message, seq };
}
