import { mkdir } from 'node:fs/promises';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { EntryKey } from '../protocol/envelope';
import {
  StoreClosedError,
  type DeadLetter,
  type EnqueueOutcome,
  type NewMessage,
  type QueueDepth,
  type QueueStore,
  type StoredMessage,
  type StoreOptions,
} from './store';
import { AckedKeys } from './acked-keys';

/** What the store knows about a live entry besides its body. */
type LiveRecord = Pick<StoredMessage, 'seq' | 'owner'>;
/** The same for a dead letter. */
type DeadRecord = LiveRecord & Pick<DeadLetter, 'reason' | 'deadAt'>;
/** An entry key as a database key: `[queueId, messageId]`. */
type KeyTuple = [queueId: string, messageId: string];
/** A tombstone's database key: `[ackedAt, queueId, messageId]`. */
type TombstoneKey = [ackedAt: number, queueId: string, messageId: string];

const LAST_SEQ = 'lastSeq';
/** Expired tombstones are swept from disk at most this often; each sweep opens a cursor. */
const SWEEP_EVERY_MS = 1_000;

/**
 * The durable queue store: every queue entry, dead letter and recent acknowledgement in one LMDB
 * environment, `dir`, so that a restarted (or SIGKILLed) hub finds exactly what it had promised.
 *
 * ## On disk
 *
 * Four named databases. Keys are lmdb-js ordered-binary arrays, values msgpack.
 *
 * | database   | key                             | value                                           |
 * | ---------- | ------------------------------- | ----------------------------------------------- |
 * | `messages` | `[queueId, messageId]`          | the `NewMessage` as enqueued                     |
 * | `entries`  | `[queueId, messageId]`          | `{ seq, owner? }`, plus `{ reason, deadAt }` when dead |
 * | `acked`    | `[ackedAt, queueId, messageId]` | `true`: a tombstone for the de-duplication window |
 * | `meta`     | `'lastSeq'`                     | the last seq handed out                          |
 *
 * A message's body is written once, by `enqueue`, and deleted once, by `ack`. Everything that
 * changes in between (owner, dead-lettering, `requeue`'s new seq) lives in the small `entries`
 * record, which the store also keeps in memory (below). So no method has to read the database to
 * make or write a change: each one decides from memory and writes the new records blind.
 *
 * Tombstones are keyed by time first, so the expired ones are a short range at the start of
 * `acked`, deleted as part of an acknowledgement at most every {@link SWEEP_EVERY_MS}. `lastSeq` is
 * persisted because the entry that held the highest seq may since have been acknowledged, and seqs
 * must keep rising across restarts.
 *
 * ## In memory
 *
 * Loaded at open: every `entries` record, per queue and split into live and dead (the live maps in
 * seq order, as in MemoryStore), and the tombstones in an {@link AckedKeys}. Duplicate checks, key
 * lookups, `queues` and `depths` use only these. `list` and `deadLetters` take the keys from memory
 * and read the bodies by key; bodies never stay in memory.
 *
 * ## Writes and durability
 *
 * Every change is one lmdb-js `batch`: its writes share one transaction, so `enqueue`'s `completes`
 * and its new entry commit together or not at all. lmdb-js puts all batches of one event-loop turn
 * into one transaction (group commit), and the environment is opened without `overlappingSync`, so a
 * transaction's commit includes its fsync and one fsync serves every call of that turn. LMDB never
 * overwrites committed pages, so a process killed at any point reopens at its last commit.
 *
 * Memory runs ahead of the disk by the batches not yet committed. A method therefore resolves only
 * once every batch queued up to and including its own has committed, even when it changed nothing
 * (a duplicate, a `false`): it never reports a state that a crash could still take back. Reads wait
 * the same way. If a commit fails, memory no longer matches the disk, so the store stops: every
 * later call rejects with that error, and a restart reloads the truth from disk.
 *
 * The in-memory state assumes this process is the environment's only writer.
 */
export class LmdbStore implements QueueStore {
  readonly kind = 'lmdb';
  private readonly messages: Database<NewMessage, KeyTuple>;
  private readonly entries: Database<LiveRecord | DeadRecord, KeyTuple>;
  private readonly tombstones: Database<true, TombstoneKey>;
  private readonly meta: Database<number, string>;
  private readonly live = new Map<string, Map<string, LiveRecord>>();
  private readonly dead = new Map<string, Map<string, DeadRecord>>();
  private readonly acked: AckedKeys;
  private readonly windowMs: number;
  private readonly now: () => number;
  private lastSeq: number;
  private sweptAt = -Infinity;
  /** Settles when the last batch queued has committed. */
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private closing?: Promise<void>;

  /** Opens (creating it if need be) the store in `dir`. The caller owns it and must `close` it. */
  static async open(dir: string, options: StoreOptions): Promise<LmdbStore> {
    await mkdir(dir, { recursive: true });
    // `noSubdir: false`: lmdb-js would take a dir named like `queue.db` for a file.
    const root = open({ path: dir, noSubdir: false, overlappingSync: false });
    try {
      return new LmdbStore(root, options);
    } catch (error) {
      await root.close();
      throw error;
    }
  }

  private constructor(
    private readonly root: RootDatabase,
    options: StoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.dedupWindowMs;
    this.acked = new AckedKeys(options.dedupWindowMs);
    this.messages = root.openDB({ name: 'messages' });
    this.entries = root.openDB({ name: 'entries' });
    this.tombstones = root.openDB({ name: 'acked' });
    this.meta = root.openDB({ name: 'meta' });

    this.lastSeq = this.meta.get(LAST_SEQ) ?? 0;
    const live: [KeyTuple, LiveRecord][] = [];
    for (const { key, value } of this.entries.getRange()) {
      if ('deadAt' in value) this.table(this.dead, key[0]).set(key[1], value);
      else live.push([key, value]);
    }
    // Inserting in seq order makes each live map a queue in line.
    for (const [[queueId, messageId], record] of live.sort((a, b) => a[1].seq - b[1].seq)) {
      this.table(this.live, queueId).set(messageId, record);
    }
    // The keys come in time order, which is the order AckedKeys expects.
    for (const [ackedAt, queueId, messageId] of this.tombstones.getKeys()) {
      this.acked.add({ queueId, messageId }, ackedAt);
    }
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    const outcome = this.write((now): EnqueueOutcome => {
      if (options.completes) this.remove(options.completes, now);
      const known = this.live.get(message.queueId)?.has(message.messageId) || this.dead.get(message.queueId)?.has(message.messageId);
      if (known || this.acked.has(message, now)) return { status: 'duplicate' };
      const record = this.nextSeq();
      this.messages.put(tuple(message), message);
      this.setLive(message, record);
      return { status: 'stored', message: { ...message, ...record } };
    });
    return this.settled(() => outcome);
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    const records = [...(this.live.get(queueId) ?? [])];
    return this.settled(() => this.withBodies(queueId, records));
  }

  async queues(): Promise<string[]> {
    const names = [...new Set([...this.live.keys(), ...this.dead.keys()])];
    return this.settled(() => names);
  }

  async ack(key: EntryKey): Promise<boolean> {
    const removed = this.write((now) => this.remove(key, now));
    return this.settled(() => removed);
  }

  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    const found = this.write(() => {
      const record = this.live.get(key.queueId)?.get(key.messageId);
      if (!record) return false;
      this.setLive(key, owner === undefined ? { seq: record.seq } : { seq: record.seq, owner });
      return true;
    });
    return this.settled(() => found);
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    const found = this.write((now) => {
      const record = this.live.get(key.queueId)?.get(key.messageId);
      if (!record) return false;
      unset(this.live, key);
      const letter: DeadRecord = { ...record, reason, deadAt: now };
      this.entries.put(tuple(key), letter);
      this.table(this.dead, key.queueId).set(key.messageId, letter);
      return true;
    });
    return this.settled(() => found);
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    const names = queueId === undefined ? [...this.dead.keys()] : [queueId];
    const records = names.map((name): [string, [string, DeadRecord][]] => [name, [...(this.dead.get(name) ?? [])]]);
    return this.settled(() =>
      records.flatMap(([name, letters]) => this.withBodies(name, letters)).sort((a, b) => a.deadAt - b.deadAt || a.seq - b.seq),
    );
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    const record = this.write(() => {
      if (!unset(this.dead, key)) return undefined;
      const requeued = this.nextSeq();
      this.setLive(key, requeued);
      return requeued;
    });
    return this.settled(() => record && this.withBodies(key.queueId, [[key.messageId, record]])[0]);
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    const depths = new Map<string, QueueDepth>();
    for (const name of new Set([...this.live.keys(), ...this.dead.keys()])) {
      depths.set(name, { queued: this.live.get(name)?.size ?? 0, dead: this.dead.get(name)?.size ?? 0 });
    }
    return this.settled(() => depths);
  }

  /** Waits for every queued batch to commit, then closes the environment. Safe to call twice. */
  close(): Promise<void> {
    // Reads run in callbacks on `tail` too, and callbacks run in the order they were attached, so
    // every call made before `close` is done with the database when it closes. A failed commit was
    // already reported to the calls it concerned.
    this.closing ??= this.tail.catch(() => undefined).then(() => this.root.close());
    return this.closing;
  }

  /**
   * Runs `decide`, which updates memory and queues the matching writes, inside one batch, and
   * returns its result at once: the caller must still wait for it to be `settled`.
   */
  private write<T>(decide: (now: number) => T): T {
    this.assertUsable();
    const now = this.now();
    let result!: T;
    this.tail = this.root.batch(() => (result = decide(now))).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
        throw error;
      },
    );
    return result;
  }

  /** Resolves with `read()` once every batch queued so far has committed. */
  private settled<T>(read: () => T): Promise<T> {
    this.assertUsable();
    return this.tail.then(read);
  }

  /** Deletes a live entry and writes its tombstone. `false` if there was no such entry. */
  private remove(key: EntryKey, now: number): boolean {
    if (!unset(this.live, key)) return false;
    this.messages.remove(tuple(key));
    this.entries.remove(tuple(key));
    if (this.windowMs <= 0) return true;
    this.tombstones.put([now, key.queueId, key.messageId], true);
    this.acked.add(key, now);
    if (now - this.sweptAt >= SWEEP_EVERY_MS) {
      this.sweptAt = now;
      for (const expired of this.tombstones.getKeys({ end: [now - this.windowMs] })) this.tombstones.remove(expired);
    }
    return true;
  }

  private nextSeq(): LiveRecord {
    this.meta.put(LAST_SEQ, ++this.lastSeq);
    return { seq: this.lastSeq };
  }

  /** Writes a live record, new (at the end of its queue) or replacing one (in its place). */
  private setLive(key: EntryKey, record: LiveRecord): void {
    this.entries.put(tuple(key), record);
    this.table(this.live, key.queueId).set(key.messageId, record);
  }

  /**
   * The full entries for `records` of `queueId`, with their bodies from `messages`. An entry
   * acknowledged after the records were taken may have lost its body by now; it is left out.
   */
  private withBodies<R extends LiveRecord>(queueId: string, records: [string, R][]): (NewMessage & R)[] {
    return records.flatMap(([messageId, record]) => {
      const body = this.messages.get([queueId, messageId]);
      return body ? [{ ...body, ...record }] : [];
    });
  }

  private table<T>(maps: Map<string, Map<string, T>>, queueId: string): Map<string, T> {
    let table = maps.get(queueId);
    if (!table) maps.set(queueId, (table = new Map()));
    return table;
  }

  private assertUsable(): void {
    if (this.closing) throw new StoreClosedError(this.kind);
    if (this.failure !== undefined) throw this.failure;
  }
}

function tuple(key: EntryKey): KeyTuple {
  return [key.queueId, key.messageId];
}

/** Removes `key` from `maps`, dropping its queue once empty. `false` if it was not there. */
function unset<T>(maps: Map<string, Map<string, T>>, key: EntryKey): boolean {
  const table = maps.get(key.queueId);
  if (!table?.delete(key.messageId)) return false;
  if (table.size === 0) maps.delete(key.queueId);
  return true;
}
