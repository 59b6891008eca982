import { mkdir } from 'node:fs/promises';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { EntryKey } from '../protocol/envelope';
import { copied, QueueIndex } from './queue-index';
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
 * and its new entry commit together or not at all. lmdb-js writes batches queued while a commit
 * is under way one after another on its own thread. The environment is opened with `overlappingSync`: a
 * transaction is committed (written to the OS, visible, and kept by a restart on the same boot)
 * before its pages are flushed to the device, which happens on lmdb-js's own thread while the next
 * transactions proceed. LMDB never overwrites committed pages, so a process killed at any point
 * reopens at its last commit, and a machine that loses power reopens intact at its last flush.
 * A call resolves, according to {@link Durability}, once its batch is committed (`commit`, the
 * default: it survives the hub being killed) or once it is flushed (`flush`: it survives a power cut).
 * lmdb-js 3.5 reports a batch committed only after its write thread has flushed it too, so in
 * practice a change waits for the disk either way (docs/benchmarks.md, "lmdb on a slow disk").
 *
 * Memory runs ahead of the disk by the batches not yet committed. A method therefore resolves only
 * once every batch queued up to and including its own is done, even when it changed nothing
 * (a duplicate, a `false`): it never reports a state that a crash could still take back. Reads take
 * their answer from memory when called and hand it over the same way. If a write fails (a full or
 * read-only disk), memory no longer matches the disk: every write still under way is reported
 * failed with it, new writes are refused with it, and once the batches under way have settled the
 * index is reloaded from the database, which LMDB left at its last commit, and writes are taken
 * again. Reads are served throughout. A write reported failed may still have committed (it shared
 * a transaction that succeeded): a retry is then a duplicate, and `enqueue`'s answer carries the
 * entry (`live`), so that the broker takes it up.
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
  private index: QueueIndex;
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
    // `eventTurnBatching: false`: with it, lmdb-js opens each event turn's transaction with a
    // promise of its own that nothing can handle, so a failed commit (a full disk) became an
    // unhandled rejection. Without it, 20,000 concurrent enqueues and acks were no slower here.
    const root = open({ path: dir, noSubdir: false, overlappingSync: true, eventTurnBatching: false });
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
    // JSON, not lmdb-js's default msgpack records: for these small records it encodes faster, and
    // encoding is most of the time a write costs the hub (docs/benchmarks.md).
    this.entries = root.openDB({ name: 'entries', encoding: 'json' });
    for (let i = 0; i < TOMBSTONE_DATABASES; i++) this.tombstones.push(root.openDB({ name: `acked-${i}` }));
    this.meta = root.openDB({ name: 'meta' });
    this.owners = root.openDB({ name: 'owners', encoding: 'string' });
    this.checkFormat(dir);
    this.index = this.load();
  }

  /** Reads every record and the tombstones still in their window into a new index. */
  private load(): QueueIndex {
    const index = new QueueIndex(this.windowMs);
    this.newestTombstone.length = 0;
    // Keys are seqs, so this restores in seq order, which makes each live map a queue in line.
    const owners = this.owners.getRange()[Symbol.iterator]();
    let owner = owners.next();
    // Both databases are in seq order: a merge gives each entry its owner (which, in layout 2, was
    // inside the entry).
    for (const { value } of this.entries.getRange()) {
      while (!owner.done && owner.value.key < value.seq) owner = owners.next();
      index.restore(!owner.done && owner.value.key === value.seq ? { ...value, owner: owner.value.value } : value);
    }
    let lastSeq = Math.max(index.lastSeq, this.meta.get(LAST_SEQ) ?? 0);
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
      index.rememberAcked({ queueId, messageId }, ackedAt);
    }
    index.lastSeq = lastSeq;
    return index;
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    return this.write((now): EnqueueOutcome => {
      if (options.completes) this.remove(options.completes, now);
      const outcome = this.index.enqueue(message, now);
      if (outcome.status === 'stored') this.put(outcome.message);
      return copied(outcome);
    });
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    return this.settled(this.index.listLive(queueId).map((m) => ({ ...m })));
  }

  async queues(): Promise<string[]> {
    return this.settled(this.index.queues());
  }

  async ack(key: EntryKey): Promise<boolean> {
    return this.write((now) => this.remove(key, now));
  }

  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    return this.write(() => {
      const record = this.index.setOwner(key, owner);
      if (!record) return false;
      if (owner !== undefined) quiet(this.owners.put(record.seq, owner));
      else {
        quiet(this.owners.remove(record.seq));
        // A release is rare; rewriting the entry also drops an owner kept inside it by layout 2.
        this.put(record);
      }
      return true;
    });
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    return this.write((now) => {
      const letter = this.index.deadLetter(key, reason, now);
      if (letter) this.put(letter);
      return letter !== undefined;
    });
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    return this.settled(this.index.listDead(queueId).map((d) => ({ ...d })));
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    return this.write(() => {
      const moved = this.index.requeue(key);
      if (!moved) return undefined;
      quiet(this.entries.remove(moved.letter.seq));
      if (moved.letter.owner !== undefined) quiet(this.owners.remove(moved.letter.seq));
      this.put(moved.record);
      return { ...moved.record };
    });
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    return this.settled(this.index.depths());
  }

  /**
   * Waits for every queued batch to commit or fail, then closes the environment. Safe to call twice.
   *
   * lmdb-js's own `close` waits for the flush of the last transaction queued, and a transaction
   * that failed (a full disk) is never flushed: closed straight after a failed commit, the store
   * would never finish closing (the hub's shutdown hung on a full disk). So one empty batch goes
   * first. It writes no page, so it commits even on a full disk, and it is then the last
   * transaction, the one lmdb-js waits for. (Should even that fail, `close` rejects with its error
   * rather than wait for ever.)
   */
  close(): Promise<void> {
    // A failed commit was already reported to the calls it concerned.
    this.closing ??= this.tail
      .catch(() => undefined)
      .then(() => this.root.batch(() => undefined))
      .then(() => this.root.close());
    return this.closing;
  }

  /**
   * Runs `decide`, which updates memory and queues the matching writes, inside one batch; resolves
   * its result once the batch (and so every batch before it) is done. Rejects, and refuses new
   * writes until the index is reloaded, if this or any batch before it failed.
   */
  private write<T>(decide: (now: number) => T): Promise<T> {
    this.assertUsable();
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const now = this.now();
    let result!: T;
    const committed = this.root.batch(() => (result = decide(now)));
    // With overlappingSync, the flush is a promise of its own that fails with the commit.
    quiet((committed as { flushed?: unknown }).flushed);
    const done = (this.flush ? committed.then(() => this.root.flushed) : committed).then(
      () => {
        // An earlier batch failed: this one was decided from memory that held its changes.
        if (this.failure !== undefined) throw this.failure;
        return result;
      },
      (error: unknown) => this.failed(error),
    );
    this.tail = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Resolves with `result`, taken when the call was made, once every batch queued so far is done. */
  private settled<T>(result: T): Promise<T> {
    this.assertUsable();
    return this.tail.then(() => result);
  }

  /** A batch failed: report why, refuse writes, and reload the index once the batches under way settle. */
  private async failed(error: unknown): Promise<never> {
    // lmdb-js hangs the reason on its error as a second, rejected promise: unhandled, it would end
    // the process (the hub's crash on a full disk).
    const detail = (error as { commitError?: unknown }).commitError;
    const reason = isPromiseLike(detail) ? await detail.then(() => error, (cause: unknown) => cause) : error;
    if (this.failure === undefined) {
      const message = reason instanceof Error ? reason.message : String(reason);
      this.failure = new StoreWriteError(`the lmdb store could not write: ${message}`, { cause: reason });
      this.recover().catch((err: unknown) => (this.failure = err));
    }
    throw this.failure;
  }

  /** Once no batch is under way, makes the database the truth again and takes writes. */
  private async recover(): Promise<void> {
    for (let tail = this.tail; ; tail = this.tail) {
      await tail;
      if (tail === this.tail) break;
    }
    if (this.closing) return;
    this.index = this.load();
    this.failure = undefined;
  }

  /** Writes `record` without its owner, which lives in `owners`; JSON leaves an `undefined` out. */
  private put(record: StoredMessage): void {
    quiet(this.entries.put(record.seq, record.owner === undefined ? record : { ...record, owner: undefined }));
  }

  /** Acknowledges a live entry: deletes it and writes its tombstone. `false` if there was none. */
  private remove(key: EntryKey, now: number): boolean {
    const record = this.index.ack(key, now);
    if (!record) return false;
    quiet(this.entries.remove(record.seq));
    if (record.owner !== undefined) quiet(this.owners.remove(record.seq));
    if (this.windowMs <= 0) {
      quiet(this.meta.put(LAST_SEQ, this.index.lastSeq));
      return true;
    }
    const i = Math.floor(now / this.windowMs) % TOMBSTONE_DATABASES;
    const newest = this.newestTombstone[i];
    if (newest !== undefined && newest <= now - this.windowMs) quiet(this.tombstones[i]!.clearAsync());
    this.newestTombstone[i] = now;
    quiet(this.tombstones[i]!.put([now, key.queueId, key.messageId], this.index.lastSeq));
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
  }
}

/** A write the lmdb store could not commit (a full or read-only disk); `cause` is lmdb's reason. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
}

/**
 * Each write inside a batch returns its own promise, which rejects with the batch when a commit
 * fails; the batch's promise reports that failure, so these are marked handled (unhandled, they
 * would end the process).
 */
function quiet(write: unknown): void {
  if (isPromiseLike(write)) write.then(undefined, () => undefined);
}

/**
 * Whether `value` is a promise, from any realm. lmdb-js runs every store of a process through the
 * first copy of itself that was loaded (its guard against being loaded as both ESM and CJS), so
 * its promises can come from another realm than this module's, where `instanceof Promise` is
 * false: under jest, that of the first test file that opened an lmdb store. There a failed
 * commit's reason went unhandled and jest failed the suite that was running.
 */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
