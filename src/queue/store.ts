/**
 * The queue store: where the hub keeps every message that still has to reach someone.
 *
 * The hub's delivery logic (src/hub/broker.ts) keeps its working state in memory: which message is
 * in flight to whom, timers, consumers. The store is the durable truth beneath it. The broker writes
 * every change through the store and reads the store back in full only when it starts, so a store
 * is never on the read path of a single delivery.
 *
 * ## The contract (tests/queue/store-contract.ts checks every store against it)
 *
 * - **Keys.** An entry is keyed by `queueId` and `messageId` together. The same message id may wait
 *   in the `driver` queue and in a store's queue at once; they are two entries.
 * - **Order.** Each stored entry gets a `seq` that is greater than every `seq` the store handed out
 *   before, across all queues and, for a durable store, across restarts. `list` returns a queue's
 *   entries in `seq` order.
 * - **De-duplication.** `enqueue` of a key that is queued, dead-lettered, or was acknowledged less
 *   than `dedupWindowMs` ago stores nothing and resolves `{ status: 'duplicate' }`. For a key that
 *   is queued, the outcome carries the entry as stored (`live`): a caller whose earlier `enqueue`
 *   of it rejected may find that it was stored after all, and take it up.
 * - **Durability.** A method's promise resolves only once its change is as durable as the store's
 *   {@link Durability} asks: for a durable store, committed, so that a crash of the process (even
 *   SIGKILL) right after the promise resolves loses nothing; with `flush`, also on the device, so
 *   that a power cut loses nothing either. Changes that are under way together may be committed
 *   together (group commit); that is what makes a durable store fast.
 * - **Atomicity.** `enqueue(message, { completes })` acknowledges `completes` and stores `message`
 *   in one step: after a crash, either both happened or neither did.
 * - **Failure.** A method rejects only when the store itself failed (disk full, server unreachable,
 *   closed); a missing key is never an error: the methods that take a key resolve `false`/`undefined`.
 * - **Ownership.** Whoever opens a store closes it; `close` waits for pending writes to commit.
 *   Calling any method after `close` rejects.
 * - **Writers.** The broker reads a store whole only when it opens, so it must be the store's only
 *   writer. The embedded stores belong to one process; the Redis store holds a writer lease, and
 *   refuses a second hub on the same prefix (redis/writer-lease.ts). The exception is a store
 *   several hubs share (`shared`, below): the broker then reads nothing at open, and takes what
 *   it sends from the store as it goes (shared-queues.ts has that contract).
 *
 * Stores are created by `createStore` (create-store.ts) from the `CAPS_STORE` setting.
 */
import type { EntryKey, Envelope } from '../protocol/envelope';
import type { SharedQueues } from './shared-queues';

/** A message as the producer handed it to the store. */
export interface NewMessage extends EntryKey {
  envelope: Envelope;
  /** When the hub accepted it (ms since the epoch). */
  enqueuedAt: number;
  /** When it expires (ms since the epoch); absent means never. */
  expiresAt?: number;
}

/** A message the store holds. */
export interface StoredMessage extends NewMessage {
  /** Its place in line; see "Order" above. */
  seq: number;
  /**
   * The consumer that claimed it (a driver's lease), kept so that a restarted hub hands the
   * message back to the same driver instead of to a second one.
   */
  owner?: string;
}

/** A message that could not be delivered, kept for inspection and requeueing. */
export interface DeadLetter extends StoredMessage {
  reason: string;
  deadAt: number;
}

/**
 * What `enqueue` did. A duplicate of a queued (live) entry carries that entry, `live`, as the store
 * holds it: an `enqueue` that rejected because the answer was lost (Redis went away after running
 * it; an lmdb batch reported failed that had committed) did store its message, and its retry is
 * how the broker learns of it rather than at its next restart.
 */
export type EnqueueOutcome =
  | { status: 'stored'; message: StoredMessage }
  | { status: 'duplicate'; live?: StoredMessage }
  /** Only from a store that keeps the length limits itself: one that several hubs share (shared-queues.ts). */
  | { status: 'full'; limit: 'queue' | 'hub' };

export interface QueueDepth {
  /** Entries waiting or in flight. */
  queued: number;
  /** Entries in the dead-letter queue. */
  dead: number;
}

/**
 * What a durable store waits for before a change counts as done:
 * - `commit`: the change is committed to the operating system. It survives the hub's process being
 *   killed, which is what CAPS promises by default; a power cut or kernel crash in the following
 *   moments may lose the last changes (never corrupt the store). Kafka and NATS JetStream
 *   acknowledge on the same terms by default.
 * - `flush`: the change is also flushed (fsync) to the device, so it survives a power cut; each
 *   change then waits for the disk, which on most machines costs milliseconds.
 */
export type Durability = 'commit' | 'flush';

export interface StoreOptions {
  /** How long an acknowledged key still counts as a duplicate. */
  dedupWindowMs: number;
  /** Durable stores only; defaults to `commit`. */
  durability?: Durability;
  /** The clock, for tests; defaults to `Date.now`. */
  now?: () => number;
}

/** Whether a store can serve calls now: see {@link QueueStore.health}. */
export type StoreHealth = { up: true } | { up: false; reason: string };

export interface QueueStore {
  /** `memory`, `lmdb` or `redis`, for logs and metrics. */
  readonly kind: string;

  /**
   * Present when several hubs serve this store's queues side by side (Redis with `CAPS_SHARED`):
   * the store is then the live truth, and each hub takes from it what it sends.
   */
  readonly shared?: SharedQueues;

  /**
   * Whether the store can serve calls now, and if not, why. A store on a server (Redis) has it:
   * it is down while the server is unreachable, and its calls reject meanwhile. A store without it
   * counts as up while it is open. `/healthz`, `/metrics` and the dashboard report it
   * (hub/store-health.ts).
   */
  health?(): StoreHealth;

  /**
   * Calls `listener` each time what `health` returns changes: the store goes down, comes back, or
   * is down for another reason than it last said. A store with `health` has this too, so that an
   * outage shorter than anyone's look at `health` is still seen. Returns the function that stops
   * listening.
   */
  onHealthChange?(listener: () => void): () => void;

  /**
   * Stores `message` at the end of its queue, unless its key is a duplicate (see the contract).
   * With `completes`, also acknowledges that entry, atomically; this is how a driver's `delivered`
   * finishes its pickup and queues the store's notice in one step. `completes` is acknowledged
   * even when `message` turns out to be a duplicate.
   */
  enqueue(message: NewMessage, options?: { completes?: EntryKey }): Promise<EnqueueOutcome>;

  /** The queue's live (not dead-lettered) entries, in `seq` order. Unknown queues are empty. */
  list(queueId: string): Promise<StoredMessage[]>;

  /** Every queue that holds a live or dead entry. */
  queues(): Promise<string[]>;

  /**
   * Removes a live entry for good and remembers its key for the de-duplication window.
   * Resolves `false` if there was no such live entry.
   */
  ack(key: EntryKey): Promise<boolean>;

  /** Records (or, with `undefined`, clears) the entry's owner. `false` if there is no such entry. */
  setOwner(key: EntryKey, owner: string | undefined): Promise<boolean>;

  /** Moves a live entry to its queue's dead-letter queue. `false` if there is no such entry. */
  deadLetter(key: EntryKey, reason: string): Promise<boolean>;

  /** Dead letters, oldest first, of one queue or of all. */
  deadLetters(queueId?: string): Promise<DeadLetter[]>;

  /**
   * Moves a dead letter back to the end of its queue, with a new `seq` and no owner.
   * Resolves the live entry, or `undefined` if there was no such dead letter.
   */
  requeue(key: EntryKey): Promise<StoredMessage | undefined>;

  /** Live and dead counts for every queue that has either. */
  depths(): Promise<Map<string, QueueDepth>>;

  /** Commits what is pending and releases the store. */
  close(): Promise<void>;
}

/** Thrown (as a rejection) by a store used after `close`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor(kind: string) {
    super(`the ${kind} store is closed`);
  }
}
