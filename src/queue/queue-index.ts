/**
 * The in-memory picture of a store's contents that every store keeps: each queue's live entries in
 * `seq` order, its dead letters, the recently acknowledged keys, and the last `seq` handed out;
 * and every change the store contract (store.ts) defines, made to that picture.
 *
 * It is synchronous and knows nothing of promises or disks. MemoryStore (memory-store.ts) is this
 * index behind the `QueueStore` interface; LmdbStore (lmdb-store.ts) makes each change here and
 * writes the records it returns to disk, so that neither store reads a database to answer a call.
 *
 * Records are replaced, never changed in place: a caller may hold a record it was given (the broker
 * does), and must not see it change under it.
 */
import type { EntryKey } from '../protocol/envelope';
import { AckedKeys } from './acked-keys';
import type { DeadLetter, EnqueueOutcome, NewMessage, QueueDepth, StoredMessage } from './store';

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

  /**
   * Stores `message` at the end of its queue with the next seq, unless its key is live, dead, or
   * was acknowledged within the window: a duplicate, with the live record if there is one. The
   * records are the index's own; a store hands out copies.
   */
  enqueue(message: NewMessage, now: number): EnqueueOutcome {
    const { queueId, messageId } = message;
    const live = this.live.get(queueId)?.get(messageId);
    if (live) return { status: 'duplicate', live };
    if (this.dead.get(queueId)?.has(messageId) || this.acked.has(message, now)) return { status: 'duplicate' };
    const stored: StoredMessage = { ...message, seq: ++this.lastSeq };
    table(this.live, queueId).set(messageId, stored);
    return { status: 'stored', message: stored };
  }

  /** Removes a live record and remembers its key as acknowledged at `now`. The removed record. */
  ack(key: EntryKey, now: number): StoredMessage | undefined {
    const record = take(this.live, key);
    if (record) this.acked.add(key, now);
    return record;
  }

  /** Sets (or, with `undefined`, clears) a live record's owner, in its place. The new record. */
  setOwner(key: EntryKey, owner: string | undefined): StoredMessage | undefined {
    const queue = this.live.get(key.queueId);
    const record = queue?.get(key.messageId);
    if (!record) return undefined;
    // A new object (see the top of this file). Spreading and adding is much cheaper than a rest
    // pattern, and setting an owner is the common case.
    let next: StoredMessage;
    if (owner !== undefined) next = { ...record, owner };
    else {
      const { owner: _previous, ...rest } = record;
      next = rest;
    }
    queue!.set(key.messageId, next);
    return next;
  }

  /** Moves a live record to its queue's dead letters. The dead letter. */
  deadLetter(key: EntryKey, reason: string, now: number): DeadLetter | undefined {
    const record = take(this.live, key);
    if (!record) return undefined;
    const letter: DeadLetter = { ...record, reason, deadAt: now };
    table(this.dead, key.queueId).set(key.messageId, letter);
    return letter;
  }

  /**
   * Moves a dead letter back to the end of its queue, with the next seq and no owner, reason or
   * time of death. The letter it was and the record it is now.
   */
  requeue(key: EntryKey): { letter: DeadLetter; record: StoredMessage } | undefined {
    const letter = take(this.dead, key);
    if (!letter) return undefined;
    const { reason: _reason, deadAt: _deadAt, owner: _owner, ...message } = letter;
    const record: StoredMessage = { ...message, seq: ++this.lastSeq };
    table(this.live, key.queueId).set(key.messageId, record);
    return { letter, record };
  }

  /**
   * Puts back a record a durable store reloads, live or dead; call in seq order, so that each queue
   * stays in line. Raises `lastSeq` to its seq.
   */
  restore(record: StoredMessage | DeadLetter): void {
    if ('deadAt' in record) table(this.dead, record.queueId).set(record.messageId, record);
    else table(this.live, record.queueId).set(record.messageId, record);
    this.lastSeq = Math.max(this.lastSeq, record.seq);
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

/** `outcome` with copies of its records, for a store to hand out (see the top of this file). */
export function copied(outcome: EnqueueOutcome): EnqueueOutcome {
  if (outcome.status === 'stored') return { status: 'stored', message: { ...outcome.message } };
  if (outcome.status === 'full') return outcome;
  return outcome.live ? { status: 'duplicate', live: { ...outcome.live } } : { status: 'duplicate' };
}
