import { mkdir } from 'node:fs/promises';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { EntryKey } from '../protocol/envelope';
import { QueueIndex } from './queue-index';
import {
  StoreClosedError,
  type DeadLetter,
  type Durability,
  type EnqueueOutcome,
  type NewMessage,
  type QueueDepth,
  type QueueStore,
  type StoredMessage,
  type StoreOptions,
} from './store';

/** A tombstone's database key: `[ackedAt, queueId, messageId]`. */
type TombstoneKey = [ackedAt: number, queueId: string, messageId: string];

const LAST_SEQ = 'lastSeq';
const FORMAT = 'format';
/**
 * The on-disk layout this code writes (described below); a directory in another one is refused,
 * except layout 2, which differs only in keeping owners inside the entries, and is read as is.
 */
const FORMAT_VERSION = 3;
const OWNERS_INSIDE_ENTRIES = 2;
/** Tombstones rotate through this many databases, one per de-duplication window (see below). */
const TOMBSTONE_DATABASES = 3;

/** Thrown by `open` for a directory written in another on-disk layout. */
export class StoreFormatError extends Error {
  override readonly name = 'StoreFormatError';
}

/**
 * The durable queue store: every queue entry, dead letter and recent acknowledgement in one LMDB
 * environment, `dir`, so that a restarted (or SIGKILLed) hub finds exactly what it had promised.
 *
 * ## On disk
 *
 * Named databases; keys are lmdb-js ordered-binary numbers and arrays; values JSON for `entries`,
 * msgpack elsewhere.
 *
 * | database  | key                             | value                                                  |
 * | --------- | ------------------------------- | ------------------------------------------------------ |
 * | `entries` | `seq`                           | the whole record but its owner: a `StoredMessage`, or a `DeadLetter` |
 * | `owners`  | `seq`                           | the owner (the claiming driver's id) of the entry with that seq, if it has one |
 * | `acked-0`, `acked-1`, `acked-2` | `[ackedAt, queueId, messageId]` | a tombstone for the de-duplication window: the last seq handed out when it was written |
 * | `meta`    | `'lastSeq'`, `'format'`         | the last seq handed out, with no de-duplication window; the layout's version |
 *
 * Entries are keyed by `seq`, not by queue and message id, because nothing reads them by key after
 * `open` (the index knows every entry's seq), and rising keys are what a B-tree writes cheapest:
 * new entries all land in its last page and acknowledged ones leave from its first pages, so a
 * transaction copies a few pages instead of one per entry it touches.
 *
 * Each change is as few writes as it can be, because writes are most of this store's cost: an
 * enqueue is one `put`, a claim (`setOwner`) one `put` of the owner's id alone (a few bytes, where
 * the whole record would be hundreds), an acknowledgement one `remove` and one tombstone (and one
 * more `remove` for a claimed entry's owner). Seqs must keep rising across restarts even though the entry that held the highest one
 * may since have been acknowledged. Rather than write `lastSeq` on every enqueue, every tombstone
 * carries the last seq handed out when it was written: a seq is then either still on an entry, or
 * no greater than the newest tombstone's, which no sweep deletes (it is the newest). On open, the
 * last seq is the highest of `meta`, the entries' seqs and the tombstones'. (With no
 * de-duplication window there are no tombstones, and each acknowledgement writes `meta` instead.)
 *
 * Tombstones are never deleted one by one. Time is cut into generations one de-duplication window
 * long, and generation `g` writes its tombstones to `acked-(g mod 3)`. Before the first tombstone
 * of a generation goes into a database, that database is emptied in one step (`clearAsync`) if
 * everything in it has expired, which it has unless the window was changed between runs: it then
 * holds generation `g - 3` at the latest. So the database written now and the one written in the
 * previous generation are never cleared; an expired tombstone lingers on disk until its database's
 * next turn, and `open` ignores it.
 *
 * ## In memory
 *
 * A {@link QueueIndex} of every record, loaded at open. Every method decides from it and writes the
 * same change blind; nothing reads the database after `open`. The broker holds every live message
 * in memory anyway, so the index costs little more than its maps.
 *
 * ## Writes and durability
 *
 * Every change is one lmdb-js `batch`: its writes share one transaction, so `enqueue`'s `completes`
 * and its new entry commit together or not at all. lmdb-js puts all batches of one event-loop turn
 * into one transaction (group commit). The environment is opened with `overlappingSync`: a
 * transaction is committed (written to the OS, visible, and kept by a restart on the same boot)
 * before its pages are flushed to the device, which happens on lmdb-js's own thread while the next
 * transactions proceed. LMDB never overwrites committed pages, so a process killed at any point
 * reopens at its last commit, and a machine that loses power reopens intact at its last flush.
 * A call resolves, according to {@link Durability}, once its batch is committed (`commit`, the
 * default: it survives the hub being killed) or once it is flushed (`flush`: it survives a power cut).
 *
 * Memory runs ahead of the disk by the batches not yet committed. A method therefore resolves only
 * once every batch queued up to and including its own is done, even when it changed nothing
 * (a duplicate, a `false`): it never reports a state that a crash could still take back. Reads take
 * their answer from memory when called and hand it over the same way. If a write fails, memory no
 * longer matches the disk, so the store stops: every later call rejects with that error, and a
 * restart reloads the truth from disk.
 *
 * The in-memory state assumes this process is the environment's only writer.
 */
export class LmdbStore implements QueueStore {
  readonly kind = 'lmdb';
  private readonly entries: Database<StoredMessage | DeadLetter, number>;
  private readonly tombstones: Database<number, TombstoneKey>[] = [];
  /** For each tombstone database, the time of the newest tombstone in it, if any. */
  private readonly newestTombstone: (number | undefined)[] = [];
  private readonly meta: Database<number, string>;
  private readonly owners: Database<string, number>;
  private readonly index: QueueIndex;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly flush: boolean;
  /** Settles when the last batch queued is as durable as `durability` asks. */
  private tail: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private closing?: Promise<void>;

  /** Opens (creating it if need be) the store in `dir`. The caller owns it and must `close` it. */
  static async open(dir: string, options: StoreOptions): Promise<LmdbStore> {
    await mkdir(dir, { recursive: true });
    // `noSubdir: false`: lmdb-js would take a dir named like `queue.db` for a file.
    const root = open({ path: dir, noSubdir: false, overlappingSync: true });
    try {
      return new LmdbStore(root, dir, options);
    } catch (error) {
      await root.close();
      throw error;
    }
  }

  private constructor(
    private readonly root: RootDatabase,
    dir: string,
    options: StoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.dedupWindowMs;
    this.flush = (options.durability ?? 'commit') === 'flush';
    this.index = new QueueIndex(options.dedupWindowMs);
    // JSON, not lmdb-js's default msgpack records: for these small records it encodes faster, and
    // encoding is most of the time a write costs the hub (docs/benchmarks.md).
    this.entries = root.openDB({ name: 'entries', encoding: 'json' });
    for (let i = 0; i < TOMBSTONE_DATABASES; i++) this.tombstones.push(root.openDB({ name: `acked-${i}` }));
    this.meta = root.openDB({ name: 'meta' });
    this.owners = root.openDB({ name: 'owners', encoding: 'string' });
    this.checkFormat(dir);

    // Keys are seqs, so this restores in seq order, which makes each live map a queue in line.
    const owners = this.owners.getRange()[Symbol.iterator]();
    let owner = owners.next();
    // Both databases are in seq order: a merge gives each entry its owner (which, in layout 2, was
    // inside the entry).
    for (const { value } of this.entries.getRange()) {
      while (!owner.done && owner.value.key < value.seq) owner = owners.next();
      this.index.restore(!owner.done && owner.value.key === value.seq ? { ...value, owner: owner.value.value } : value);
    }
    let lastSeq = Math.max(this.index.lastSeq, this.meta.get(LAST_SEQ) ?? 0);
    const tombstones: TombstoneKey[] = [];
    const expired = this.now() - this.windowMs;
    this.tombstones.forEach((database, i) => {
      for (const { key, value } of database.getRange()) {
        lastSeq = Math.max(lastSeq, value);
        this.newestTombstone[i] = Math.max(this.newestTombstone[i] ?? -Infinity, key[0]);
        if (key[0] > expired) tombstones.push(key);
      }
    });
    // The index expects acknowledgements in time order.
    for (const [ackedAt, queueId, messageId] of tombstones.sort((a, b) => a[0] - b[0])) {
      this.index.rememberAcked({ queueId, messageId }, ackedAt);
    }
    this.index.lastSeq = lastSeq;
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    const outcome = this.write((now): EnqueueOutcome => {
      if (options.completes) this.remove(options.completes, now);
      const stored = this.index.enqueue(message, now);
      if (!stored) return { status: 'duplicate' };
      this.put(stored);
      return { status: 'stored', message: { ...stored } };
    });
    return this.settled(outcome);
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    return this.settled(this.index.listLive(queueId).map((m) => ({ ...m })));
  }

  async queues(): Promise<string[]> {
    return this.settled(this.index.queues());
  }

  async ack(key: EntryKey): Promise<boolean> {
    return this.settled(this.write((now) => this.remove(key, now)));
  }

  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    const found = this.write(() => {
      const record = this.index.setOwner(key, owner);
      if (!record) return false;
      if (owner !== undefined) this.owners.put(record.seq, owner);
      else {
        this.owners.remove(record.seq);
        // A release is rare; rewriting the entry also drops an owner kept inside it by layout 2.
        this.put(record);
      }
      return true;
    });
    return this.settled(found);
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    const found = this.write((now) => {
      const letter = this.index.deadLetter(key, reason, now);
      if (letter) this.put(letter);
      return letter !== undefined;
    });
    return this.settled(found);
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    return this.settled(this.index.listDead(queueId).map((d) => ({ ...d })));
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    const stored = this.write(() => {
      const moved = this.index.requeue(key);
      if (!moved) return undefined;
      this.entries.remove(moved.letter.seq);
      if (moved.letter.owner !== undefined) this.owners.remove(moved.letter.seq);
      this.put(moved.record);
      return { ...moved.record };
    });
    return this.settled(stored);
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    return this.settled(this.index.depths());
  }

  /** Waits for every queued batch to commit, then closes the environment. Safe to call twice. */
  close(): Promise<void> {
    // A failed commit was already reported to the calls it concerned.
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
    const committed = this.root.batch(() => (result = decide(now)));
    this.tail = (this.flush ? committed.then(() => this.root.flushed) : committed).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
        throw error;
      },
    );
    return result;
  }

  /** Resolves with `result`, taken when the call was made, once every batch queued so far is done. */
  private settled<T>(result: T): Promise<T> {
    this.assertUsable();
    // A failed batch before the last one may not fail the last: lmdb-js can commit the next
    // transaction after rejecting one. Its rejection handler has run by now and set `failure`.
    return this.tail.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return result;
    });
  }

  /** Writes `record` without its owner, which lives in `owners`; JSON leaves an `undefined` out. */
  private put(record: StoredMessage): void {
    this.entries.put(record.seq, record.owner === undefined ? record : { ...record, owner: undefined });
  }

  /** Acknowledges a live entry: deletes it and writes its tombstone. `false` if there was none. */
  private remove(key: EntryKey, now: number): boolean {
    const record = this.index.ack(key, now);
    if (!record) return false;
    this.entries.remove(record.seq);
    if (record.owner !== undefined) this.owners.remove(record.seq);
    if (this.windowMs <= 0) {
      this.meta.put(LAST_SEQ, this.index.lastSeq);
      return true;
    }
    const i = Math.floor(now / this.windowMs) % TOMBSTONE_DATABASES;
    const newest = this.newestTombstone[i];
    if (newest !== undefined && newest <= now - this.windowMs) this.tombstones[i]!.clearAsync();
    this.newestTombstone[i] = now;
    this.tombstones[i]!.put([now, key.queueId, key.messageId], this.index.lastSeq);
    return true;
  }

  /** Refuses a directory written in another layout, and marks a new one with this one. */
  private checkFormat(dir: string): void {
    const format = this.meta.get(FORMAT);
    if (format === FORMAT_VERSION) return;
    if (format === OWNERS_INSIDE_ENTRIES) return void this.meta.putSync(FORMAT, FORMAT_VERSION);
    const empty = this.entries.getKeysCount({ limit: 1 }) === 0 && this.meta.get(LAST_SEQ) === undefined;
    if (format !== undefined || !empty) {
      throw new StoreFormatError(`${dir} holds a queue store in another format (${format ?? 1}); this hub writes format ${FORMAT_VERSION}`);
    }
    this.meta.putSync(FORMAT, FORMAT_VERSION);
  }

  private assertUsable(): void {
    if (this.closing) throw new StoreClosedError(this.kind);
    if (this.failure !== undefined) throw this.failure;
  }
}
