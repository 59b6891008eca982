/**
 * The broker: at-least-once delivery of queued messages to competing consumers.
 *
 * It owns the working state of every queue (who holds what, timers, the ready line) and writes each
 * change through the `QueueStore`, which it reads back in full only in `open`. What it guarantees:
 *
 * - **Stored before acknowledged.** `publish` resolves only once the store has the message.
 * - **At least once.** A message leaves its queue only when acknowledged (or claimed and then
 *   completed, for pickups). One that is not acknowledged in time, is refused with `retry`, or
 *   whose consumer disconnects, goes back to the queue, in its old place, and is sent again.
 * - **One consumer at a time.** A message is in flight to one consumer at most; consumers of a queue
 *   take turns (round robin), each holding at most `prefetch` messages, `getAll` included.
 * - **Bounded.** Past `maxAttempts` sends, or past its TTL, a message goes to the dead-letter
 *   queue. Past `maxQueueLength` in one queue or `maxTotalMessages` in all, `publish` refuses new
 *   messages instead of dropping any (a notice that completes a pickup only takes its place, and
 *   is not refused for the total); past `maxQueues`, a new queue is refused. A queue with
 *   nothing in it, dead or alive, and no consumer is forgotten, so that names cost nothing.
 * - **Suspects, not victims.** A consumer that has never acknowledged anything cannot use up a
 *   message's attempts: its timeouts and disconnects are not counted. After `suspectAfter`
 *   timeouts in a row, any consumer becomes a *suspect* and is sent nothing, so that consumers
 *   that take work and sit on it cannot starve honest ones or dead-letter their work; after
 *   `probationMs` it may hold one message again, to prove itself (consumer-standing.ts).
 *
 * The states a message goes through are drawn in delivery-state.ts.
 *
 * **Shared hubs.** On a store that several hubs share (`store.shared`: Redis with `CAPS_SHARED`),
 * the store is the live truth and this broker holds only what it sends to its own clients: it
 * reads nothing at open, takes entries from the store as its consumers have room (and its
 * drivers' claimed packages whichever hub they were claimed on), and gives back what it cannot
 * send (a refusal, a timeout, a consumer gone, nobody with room). The store keeps the length
 * limits. The guarantees above hold across hubs; see shared-queues.ts for what the store adds.
 *
 * Time is read from the global clock (`Date.now`, `setTimeout`, `setInterval`) and nowhere else,
 * so that Jest's fake timers drive every ack timeout, lease and TTL in tests/hub/broker.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { DeliveryPolicy } from '../config';
import type { ConsumerAck } from '../protocol/acks';
import type { QueueStats } from '../protocol/dashboard';
import { DRIVER_QUEUE, type EntryKey, type Envelope } from '../protocol/envelope';
import type { Release, SharedQueues, TakenEntry } from '../queue/shared-queues';
import type { DeadLetter, QueueDepth, QueueStore, StoredMessage } from '../queue/store';
import type { Consumer } from './consumer';
import { Standings } from './consumer-standing';
import type { DeliveryState, Entry } from './delivery-state';
import { ReadyQueue } from './ready-queue';

/**
 * What `publish` did. `full` names the limit: the queue's length (`queue`) or every queue's
 * (`hub`); `too_many_queues` means the queue is new and the hub holds `maxQueues` already.
 */
export type PublishOutcome =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'full'; limit: 'queue' | 'hub' }
  | { status: 'too_many_queues' };

/** Why a message went back to its queue. */
export type RequeueReason = 'timeout' | 'nack' | 'disconnect' | 'lease expired';

/** What the broker reports as it works, for metrics, logs and the dashboard. */
export interface BrokerEvents {
  enqueued: [message: StoredMessage];
  sent: [message: StoredMessage, consumer: Consumer, attempt: number];
  claimed: [message: StoredMessage, owner: string];
  /** Acknowledged or completed; `latencyMs` runs from the last send to the acknowledgement. */
  acked: [key: EntryKey, latencyMs: number | undefined];
  redelivered: [message: StoredMessage, reason: RequeueReason];
  dead: [message: StoredMessage, reason: string];
  /** A consumer timed out `suspectAfter` times in a row, or failed its probation: it is sent nothing for now. */
  suspect: [consumer: Consumer, timeouts: number];
  /** A suspect, or a consumer on probation, acknowledged a message: it is sent messages as before. */
  cleared: [consumer: Consumer];
}

/**
 * How often a shared hub looks for entries to take in the queues it has consumers with room for,
 * besides when the store tells it: the store's word is a hint, which a dropped connection loses.
 */
export const SHARED_POLL_MS = 1_000;

/** A removal made in memory, and the store write that makes it there; `failed` once that write failed. */
interface StoreRemoval {
  write: () => Promise<unknown>;
  failed: boolean;
}

class QueueState {
  readonly entries = new Map<string, Entry>();
  readonly ready = new ReadyQueue<Entry>((e) => !e.gone && e.state.type === 'queued');
  /** Claimed entries, so that a returning driver's packages are found without a scan. */
  readonly claimed = new Set<Entry>();
  /**
   * What each attached consumer holds (in flight or claimed); `null` until its first message, as
   * most of a hub's consumers are idle connections that should cost as little as possible.
   */
  readonly holdings = new Map<Consumer, Set<Entry> | null>();
  /** Attached consumers with room for more, in round-robin order. */
  readonly available = new Set<Consumer>();
  /** Attached consumers that are sent nothing new for now (the dashboard's "pause"). */
  readonly paused = new Set<Consumer>();
  /** How far each attached consumer is trusted, from how it has answered. */
  readonly standings: Standings;
  /**
   * Entries removed from memory (acknowledged, dead-lettered) whose removal the store has not
   * confirmed: its write is under way, or failed. A publish of one that comes back a live
   * duplicate is this entry, not a lost one to take up.
   */
  readonly removing = new Map<string, StoreRemoval>();
  /** Publishes waiting on the store, counted against the length limit. */
  writing = 0;
  /** Shared hubs: a `take` from the store is under way; `pullAgain` asks for another once it is done. */
  pulling = false;
  pullAgain = false;
  /** Shared hubs: takes started for this queue, and who waits for the one numbered `until` (`Broker.taken`). */
  takesStarted = 0;
  readonly pullWaiters: { until: number; resolve: () => void }[] = [];
  dead = 0;
  inFlight = 0;
  dispatching = false;

  constructor(
    readonly queueId: string,
    policy: DeliveryPolicy,
    onProbation: (queue: QueueState, consumer: Consumer) => void,
  ) {
    this.standings = new Standings(policy, (consumer) => onProbation(this, consumer));
  }
}

export interface BrokerOptions {
  logger: Logger;
}

export class Broker extends EventEmitter<BrokerEvents> {
  private readonly queues = new Map<string, QueueState>();
  /** Messages in every queue plus those being written, against `maxTotalMessages`. */
  private total = 0;
  private readonly logger: Logger;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  /** Stops listening to the store's health (`onStoreBack`). */
  private stopWatchingStore: (() => void) | undefined;
  /** The store's side of sharing, when hubs share it. */
  private readonly shared: SharedQueues | undefined;
  /** Shared hubs: entries given back in memory whose release the store failed, to write again. */
  private readonly unreleased = new Map<string, { key: { queueId: string; messageId: string }; how: Release }>();
  private stopHearing: (() => void) | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** Shared hubs: every queue's depth across all hubs, as the store said at the last look. */
  private wholeDepths = new Map<string, QueueDepth>();
  /** Shared hubs: the store came back, and may hold entries taken for this hub that it never heard of (`reconcile`). */
  private reconcileDue = false;

  private constructor(
    private readonly store: QueueStore,
    private readonly policy: DeliveryPolicy,
    options: BrokerOptions,
  ) {
    super();
    this.logger = options.logger;
    this.shared = store.shared;
  }

  /**
   * Loads every queue from `store` and starts delivering. Messages that were in flight when the
   * hub stopped are queued again; claimed pickups stay reserved for their driver for one lease.
   * The broker does not own the store: close the broker, then the store.
   */
  static async open(store: QueueStore, policy: DeliveryPolicy, options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(store, policy, options);
    broker.stopWatchingStore = store.onHealthChange?.(() => {
      if (store.health?.().up) broker.onStoreBack();
    });
    if (broker.shared) {
      broker.startSharing(broker.shared);
      return broker;
    }
    // Read together: on a networked store (Redis) each read is a round trip, and a standby that
    // takes over serves only once every queue is loaded.
    const [depths, queueIds] = await Promise.all([store.depths(), store.queues()]);
    const lists = await Promise.all(queueIds.map((queueId) => store.list(queueId)));
    queueIds.forEach((queueId, i) => {
      // What the store holds was accepted under the limits of its day: all of it is loaded.
      const queue = broker.queue(queueId, true)!;
      queue.dead = depths.get(queueId)?.dead ?? 0;
      for (const message of lists[i]!) broker.track(queue, message);
    });
    broker.startSweeper();
    return broker;
  }

  /**
   * Stores `envelope` in `queueId` and delivers it. With `completes`, the same store step
   * acknowledges that entry: a driver's `delivered` completes its pickup this way.
   * Rejects only if the store fails; the message may have been stored all the same (the store
   * failed after writing it), and the retry that comes back a duplicate delivers it.
   * @returns `stored`, or `duplicate` for a message the store already had.
   */
  async publish(envelope: Envelope, queueId: string, completes?: EntryKey): Promise<PublishOutcome> {
    const queue = this.queue(queueId);
    if (!queue) return { status: 'too_many_queues' };
    // Shared hubs see only what they hold: the store keeps the limits.
    if (!this.shared) {
      if (queue.entries.size + queue.writing >= this.policy.maxQueueLength) return this.full(queue, 'queue');
      // A notice that completes a pickup the hub holds takes that pickup's place and adds nothing to
      // the total; refusing it would leave a hub filled with pickups unable to drain them.
      const replaces = completes !== undefined && this.queues.get(completes.queueId)?.entries.has(completes.messageId) === true;
      if (!replaces && this.total >= this.policy.maxTotalMessages) return this.full(queue, 'hub');
    }
    const enqueuedAt = Date.now();
    const ttl = this.policy.messageTtlMs;
    queue.writing++;
    this.total++;
    let outcome;
    try {
      outcome = await this.store.enqueue(
        { queueId, messageId: envelope.messageId, envelope, enqueuedAt, ...(ttl > 0 ? { expiresAt: enqueuedAt + ttl } : {}) },
        completes ? { completes } : {},
      );
    } finally {
      queue.writing--;
      this.total--;
    }
    if (outcome.status === 'full') return this.full(queue, outcome.limit);
    if (completes) this.complete(completes);
    if (this.shared) {
      // Stored for whichever hub has room, this one included: the store tells every hub. A live
      // duplicate is in the store already, for any hub to take.
      if (outcome.status === 'stored') this.emit('enqueued', outcome.message);
      this.forgetIfIdle(queue);
      return { status: outcome.status };
    }
    const { messageId } = envelope;
    const stored = outcome.status === 'stored' ? outcome.message : outcome.live;
    const removal = outcome.status === 'duplicate' && stored ? queue.removing.get(messageId) : undefined;
    if (removal) {
      // Acknowledged or dead in memory, and the store answered before it heard: not to be sent
      // again. If that removal's write failed, the store still holds the entry: write it again.
      if (removal.failed) this.confirmRemoval(queue, messageId, removal).catch((err) => this.logger.error({ err, queueId, messageId }, 'store removal failed again'));
    } else if (stored && !queue.entries.has(messageId)) {
      // A live duplicate the broker does not hold was stored by an earlier publish whose answer
      // was lost (the store failed after the write): this retry is how it is learnt, rather than
      // at the next restart, and until then nobody would be sent it. A warning: it is late.
      if (outcome.status === 'duplicate') this.logger.warn({ queueId, messageId }, `took up ${messageId} of queue ${queueId}, late: an earlier publish stored it though it was answered as failed`);
      this.track(queue, stored);
      this.emit('enqueued', stored);
      this.dispatch(queue);
    } else this.forgetIfIdle(queue);
    return { status: outcome.status };
  }

  /**
   * Acknowledges one entry: it is removed for good. Unknown keys are ignored (`false`): a
   * classroom client may acknowledge a message twice, or one the hub never had.
   */
  async ack(key: EntryKey): Promise<boolean> {
    const queue = this.queues.get(key.queueId);
    const entry = queue?.entries.get(key.messageId);
    if (!queue || !entry) {
      // Acknowledged before, in memory, but its write failed: a client's retry writes it again.
      const failed = queue?.removing.get(key.messageId);
      if (!failed?.failed) return this.store.ack(key);
      await this.confirmRemoval(queue!, key.messageId, failed);
      return true;
    }
    await this.removeThen(entry, 'acked', () => this.store.ack(key));
    return true;
  }

  /**
   * Starts giving `consumer` messages from its queue, beginning with pickups it had claimed.
   * `false` if its queue is new and the hub already holds `maxQueues` queues.
   */
  attach(consumer: Consumer): boolean {
    const queue = this.queue(consumer.queueId);
    if (!queue) return false;
    if (queue.holdings.has(consumer)) return true;
    queue.holdings.set(consumer, null);
    this.offerRoom(queue, consumer);
    this.handBack(queue, consumer);
    this.dispatch(queue);
    this.pull(queue);
    return true;
  }

  /** Whether a consumer of `queueId` could attach now: the queue exists, or there is room for one more. */
  canAttach(queueId: string): boolean {
    // The driver queue is every vendor's: names minted by others must not lock it out.
    return this.queues.has(queueId) || queueId === DRIVER_QUEUE || this.storeQueues() < this.policy.maxQueues;
  }

  /** Attached consumers that are suspects, in every queue. */
  suspectCount(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.standings.suspects();
    return count;
  }

  /** Whether `consumer` is a suspect (see `suspectAfter`): attached, and sent nothing until its probation. */
  isSuspect(consumer: Consumer): boolean {
    return this.queues.get(consumer.queueId)?.standings.isSuspect(consumer) === true;
  }

  /**
   * Stops giving `consumer` messages. What it had in flight goes back to the queue at once; what it
   * had claimed stays its own until the lease ends, in case it comes back.
   */
  detach(consumer: Consumer): void {
    const queue = this.queues.get(consumer.queueId);
    const held = queue?.holdings.get(consumer);
    if (!queue || held === undefined) return;
    queue.holdings.delete(consumer);
    queue.available.delete(consumer);
    queue.paused.delete(consumer);
    for (const entry of held ?? []) {
      queue.inFlight--;
      if (entry.state.type === 'claimed') entry.state.consumer = undefined;
      else this.requeue(entry, 'disconnect');
    }
    queue.standings.forget(consumer);
    // The same driver may already be back on another connection.
    for (const other of queue.holdings.keys()) if (other.id === consumer.id) this.handBack(queue, other);
    if (this.shared) {
      // Its claims are its own, not this hub's: it may come back on any hub.
      for (const entry of [...queue.claimed]) {
        const state = entry.state;
        if (state.type === 'claimed' && state.owner === consumer.id && !state.consumer) this.giveBack(queue, entry, state.since + this.policy.leaseMs - Date.now());
      }
    }
    this.dispatch(queue);
    this.forgetIfIdle(queue);
  }

  /**
   * The lab's `getAll`: sends `consumer` waiting messages (not in flight to anyone) up to its
   * allowance (its prefetch; one on probation; none as a suspect), counting what it holds already.
   * Attaches the consumer first (which sends what fits). Returns how many messages it now holds unanswered, those just sent
   * included, or `undefined` if it could not attach (`maxQueues`).
   */
  sendWaiting(consumer: Consumer): number | undefined {
    if (!this.attach(consumer)) return undefined;
    const queue = this.queues.get(consumer.queueId)!;
    const held = () => queue.holdings.get(consumer)?.size ?? 0;
    const room = queue.standings.allowance(consumer);
    while (held() < room) {
      const entry = queue.ready.pop();
      if (!entry) break;
      this.send(queue, entry, consumer);
    }
    return held();
  }

  /**
   * `sendWaiting` for the lab's `getAll`, on any kind of hub. A shared hub holds only part of what
   * waits: it first takes from the store what `consumer` has room for, and answers once that take
   * is done, so that the count is of what the whole CAPS had waiting for it.
   */
  async catchUp(consumer: Consumer): Promise<number | undefined> {
    if (!this.shared) return this.sendWaiting(consumer);
    const attached = this.queues.get(consumer.queueId)?.holdings.has(consumer) === true;
    if (!this.attach(consumer)) return undefined;
    const queue = this.queues.get(consumer.queueId)!;
    // Attaching takes for a newcomer; one attached already may have room since.
    if (attached) this.pull(queue);
    await this.taken(queue);
    // Gone meanwhile: nothing to count, and nothing to attach again.
    if (!queue.holdings.has(consumer)) return 0;
    return this.sendWaiting(consumer);
  }

  /**
   * Pauses or resumes an attached consumer. A paused one keeps what it holds but is sent nothing
   * new, so its queue grows; resuming sends it what waited.
   */
  setPaused(consumer: Consumer, paused: boolean): void {
    const queue = this.queues.get(consumer.queueId);
    if (!queue?.holdings.has(consumer)) return;
    if (paused) {
      queue.paused.add(consumer);
      queue.available.delete(consumer);
    } else {
      queue.paused.delete(consumer);
      this.offerRoom(queue, consumer);
      this.dispatch(queue);
    }
  }

  /**
   * A driver claims a pickup it was sent: from now on the package is its own, under a lease, until
   * its `delivered` completes it. The claim is stored before this resolves `claimed`, so that a
   * hub that crashes and restarts hands the package back to the same driver, never to a second
   * one; a driver starts work on a package only once its claim is stored. Resolves `lost` when the
   * pickup is not this driver's to claim: gone, or since handed to someone else.
   */
  async claim(key: EntryKey, consumer: Consumer): Promise<'claimed' | 'lost'> {
    const queue = this.queues.get(key.queueId);
    const entry = queue?.entries.get(key.messageId);
    if (!queue || !entry || entry.gone) return 'lost';
    const state = entry.state;
    if (state.type === 'in-flight' && state.consumer === consumer) {
      this.acknowledgedBy(queue, consumer);
      this.setState(queue, entry, this.claimedState(entry, consumer.id, consumer));
      this.emit('claimed', entry.message, consumer.id);
    } else if (state.type === 'claimed' && state.owner === consumer.id) {
      // The driver is alive and still on it (it claims again after a reconnect): a fresh lease.
      this.setState(queue, entry, this.claimedState(entry, consumer.id, state.consumer ?? consumer));
      if (!state.consumer) this.hold(queue, consumer, entry);
    } else {
      return 'lost';
    }
    // Shared hubs also write a renewed lease, so that the claim's deadline in the store, which
    // counts once no hub holds the package, is the one the driver was given.
    if (entry.message.owner !== consumer.id || this.shared) {
      // Recorded in memory only once stored: after a failed write the driver's retried claim
      // must write again, or a restart would hand its package to a second driver.
      const stored = await this.store.setOwner(entry.message, consumer.id);
      if (!stored && this.shared) {
        // The store no longer has this hub holding it: the hub was taken for dead (a long pause),
        // and its entries went back to their queues. Another hub may have sent it since.
        if (!entry.gone) {
          this.forget(queue, entry);
          this.forgetIfIdle(queue);
        }
        return 'lost';
      }
      entry.message.owner = consumer.id;
    }
    return 'claimed';
  }

  /**
   * Who holds a message now, for the session's ownership checks: the owner of its claim, or the
   * consumer it is in flight to (by id); no holder while it waits; `found: false` when the broker
   * has no such message (never stored, or already acknowledged or completed).
   */
  holderOf(key: EntryKey): { found: false } | { found: true; holder: string | undefined } {
    const entry = this.queues.get(key.queueId)?.entries.get(key.messageId);
    if (!entry || entry.gone) return { found: false };
    const state = entry.state;
    return { found: true, holder: state.type === 'claimed' ? state.owner : state.type === 'in-flight' ? state.consumer.id : undefined };
  }

  /**
   * `holderOf`, after first taking from the store, for shared hubs, the pickups `owner` claimed
   * that this hub does not hold: a driver that moved here from another hub may report one before
   * this hub took it (attaching takes them, but not at once). A pickup `owner` claimed that another
   * hub still holds (the driver's old hub has not yet seen it leave) is `owner`'s all the same:
   * the store says so, and completing it there takes it off that hub too. Rejects as the store does.
   */
  async find(key: EntryKey, owner: string): Promise<ReturnType<Broker['holderOf']>> {
    const queue = this.queues.get(key.queueId);
    if (this.shared && !queue?.entries.has(key.messageId) && queue?.holdings.size) {
      this.takeUp(queue, await this.shared.take(key.queueId, 0, [owner]));
      if (!queue.entries.has(key.messageId) && (await this.shared.claimedBy(key)) === owner) return { found: true, holder: owner };
    }
    return this.holderOf(key);
  }

  /** Dead letters, oldest first, of one queue or of every queue; read from the store. */
  deadLetters(queueId?: string): Promise<DeadLetter[]> {
    return this.store.deadLetters(queueId);
  }

  /** Moves a dead letter back to the end of its queue and delivers it. `false` if there was none. */
  async requeueDead(key: EntryKey): Promise<boolean> {
    const message = await this.store.requeue(key);
    if (!message) return false;
    if (this.shared) {
      // Back in the store's line, for whichever hub has room (the store tells them).
      const queue = this.queues.get(key.queueId);
      if (queue) queue.dead = Math.max(0, queue.dead - 1);
      return true;
    }
    // A dead letter's queue is never forgotten (its `dead` count holds it), so this finds it.
    const queue = this.queue(key.queueId, true)!;
    queue.dead--;
    this.track(queue, message);
    this.dispatch(queue);
    return true;
  }

  /**
   * Figures for every queue the broker has seen, sorted by name. On shared hubs, `depth` and
   * `dead` are the whole CAPS's, as the store said at the last look (every
   * {@link SHARED_POLL_MS}), for every queue in it; `inFlight` and `consumers` are this hub's.
   */
  snapshot(): QueueStats[] {
    const ids = new Set([...this.queues.keys(), ...(this.shared ? this.wholeDepths.keys() : [])]);
    return [...ids]
      .map((queueId) => {
        const q = this.queues.get(queueId);
        const inFlight = q?.inFlight ?? 0;
        const consumers = q?.holdings.size ?? 0;
        if (!this.shared) return { queueId, depth: q!.entries.size, inFlight, dead: q!.dead, consumers };
        // A queue the store did not list holds nothing in it, live or dead, whatever this hub last saw.
        const whole = this.wholeDepths.get(queueId);
        return { queueId, depth: whole?.queued ?? 0, inFlight, dead: whole?.dead ?? 0, consumers };
      })
      .sort((a, b) => a.queueId.localeCompare(b.queueId));
  }

  /** Stops every timer. In-flight messages stay in the store and are queued again on the next `open`. */
  close(): void {
    this.closed = true;
    this.stopWatchingStore?.();
    this.stopHearing?.();
    clearInterval(this.poller);
    clearInterval(this.sweeper);
    for (const queue of this.queues.values()) {
      for (const entry of queue.entries.values()) if (entry.state.type !== 'queued') clearTimeout(entry.state.timer);
      queue.standings.close();
    }
  }

  /** The queue `queueId`, made if new; `undefined` if new and the hub holds `maxQueues` (unless `always`). */
  private queue(queueId: string, always = false): QueueState | undefined {
    let queue = this.queues.get(queueId);
    if (!queue && (always || this.canAttach(queueId))) {
      queue = new QueueState(queueId, this.policy, (q, consumer) => this.probation(q, consumer));
      this.queues.set(queueId, queue);
    }
    return queue;
  }

  /** Queues counted against `maxQueues`: all but the driver queue. */
  private storeQueues(): number {
    return this.queues.size - (this.queues.has(DRIVER_QUEUE) ? 1 : 0);
  }

  /** An existing queue's state: for entries, which keep their queue alive. */
  private queueOf(entry: Entry): QueueState {
    return this.queues.get(entry.message.queueId)!;
  }

  /** Forgets a queue that holds nothing and has no consumer: its name should cost nothing. */
  private forgetIfIdle(queue: QueueState): void {
    if (queue.entries.size === 0 && queue.holdings.size === 0 && queue.writing === 0 && queue.dead === 0 && queue.removing.size === 0 && !queue.pulling) this.queues.delete(queue.queueId);
  }

  private full(queue: QueueState, limit: 'queue' | 'hub'): PublishOutcome {
    this.forgetIfIdle(queue);
    return { status: 'full', limit };
  }

  /** Starts tracking a stored message: queued, or reserved for the driver that had claimed it. */
  private track(queue: QueueState, message: StoredMessage): void {
    const entry: Entry = { message, seq: message.seq, state: { type: 'queued' }, attempts: 0, forgiven: 0, gone: false };
    queue.entries.set(message.messageId, entry);
    this.total++;
    if (message.owner === undefined) queue.ready.push(entry);
    else this.setState(queue, entry, this.claimedState(entry, message.owner, undefined));
  }

  /** Sends waiting messages to consumers with room, taking turns. */
  private dispatch(queue: QueueState): void {
    if (queue.dispatching || this.closed) return;
    queue.dispatching = true;
    try {
      for (const consumer of queue.available) {
        const entry = queue.ready.pop();
        if (!entry) break;
        this.send(queue, entry, consumer);
      }
      // Shared hubs hold only what they send: what no consumer here has room for, another hub's may.
      if (this.shared && queue.available.size === 0) for (const entry of queue.ready.drain()) this.giveBack(queue, entry, undefined);
    } finally {
      queue.dispatching = false;
    }
  }

  private send(queue: QueueState, entry: Entry, consumer: Consumer): void {
    const attempt = ++entry.attempts;
    const timer = setTimeout(() => this.requeue(entry, 'timeout'), this.policy.ackTimeoutMs).unref();
    this.setState(queue, entry, { type: 'in-flight', consumer, since: Date.now(), timer });
    this.hold(queue, consumer, entry);
    this.emit('sent', entry.message, consumer, attempt);
    consumer.deliver(entry.message.envelope, (result) => this.answered(entry, consumer, attempt, result));
  }

  /** A consumer's answer to a delivery. Late answers, to a send that was since retried, are ignored. */
  private answered(entry: Entry, consumer: Consumer, attempt: number, result: ConsumerAck): void {
    const state = entry.state;
    if (entry.gone || entry.attempts !== attempt || state.type !== 'in-flight' || state.consumer !== consumer) return;
    if (!result.ok) {
      if (result.retry) this.requeue(entry, 'nack');
      else this.deadLetter(entry, 'rejected by consumer');
    } else {
      this.ack(entry.message).catch((err) => this.logger.error({ err, key: entry.message }, 'store ack failed'));
    }
  }

  private claimedState(entry: Entry, owner: string, consumer: Consumer | undefined): DeliveryState {
    const timer = setTimeout(() => this.requeue(entry, 'lease expired'), this.policy.leaseMs).unref();
    return { type: 'claimed', owner, consumer, since: Date.now(), timer };
  }

  /** Re-sends to `consumer` the pickups its identity claimed that no connection holds now. */
  private handBack(queue: QueueState, consumer: Consumer): void {
    for (const entry of [...queue.claimed]) {
      if (entry.state.type === 'claimed' && entry.state.owner === consumer.id && !entry.state.consumer) {
        // It stays claimed, under its lease: were it in flight again, a drop before the driver's
        // next `claim` would requeue it and clear its owner, and a second driver would get a
        // package the first is still carrying.
        // Not a new attempt: the package never left its driver, and counting a reconnect as a
        // failed delivery would dead-letter a flapping driver's package when its lease ends.
        entry.state.consumer = consumer;
        this.hold(queue, consumer, entry);
        this.emit('sent', entry.message, consumer, entry.attempts);
        consumer.deliver(entry.message.envelope, () => undefined);
      }
    }
  }

  /** The driver's `delivered` finished this pickup; the store already acknowledged it. */
  private complete(key: EntryKey): void {
    const entry = this.queues.get(key.queueId)?.entries.get(key.messageId);
    if (entry) this.remove(entry, 'acked');
  }

  /**
   * Puts a message back in line, or dead-letters it if it has used up its attempts. A timeout or a
   * disconnect at a consumer that never acknowledged anything is not counted as an attempt: it
   * says nothing about the message, and counting it would let idle consumers dead-letter the work.
   */
  private requeue(entry: Entry, reason: RequeueReason): void {
    if (entry.gone || entry.state.type === 'queued') return;
    const queue = this.queueOf(entry);
    const consumer = entry.state.type === 'in-flight' ? entry.state.consumer : undefined;
    if (consumer && (reason === 'timeout' || reason === 'disconnect')) {
      if (!queue.standings.hasAcknowledged(consumer)) entry.forgiven++;
      if (reason === 'timeout') this.timedOut(queue, consumer);
    }
    const failed = entry.attempts - entry.forgiven;
    if (failed >= this.policy.maxAttempts) {
      this.deadLetter(entry, `failed ${failed} deliveries; last: ${reason}`);
      return;
    }
    if (this.shared) {
      // Shared hubs send again only what they take again: the store may have seen this entry
      // acknowledged or completed on another hub meanwhile, and then the release finds it gone.
      this.emit('redelivered', entry.message, reason);
      this.giveBack(queue, entry, undefined);
      this.dispatch(queue);
      return;
    }
    this.release(queue, entry);
    this.setState(queue, entry, { type: 'queued' });
    if (entry.message.owner !== undefined) {
      delete entry.message.owner;
      this.store.setOwner(entry.message, undefined).catch((err) => this.logger.error({ err, key: entry.message }, 'store setOwner failed'));
    }
    queue.ready.push(entry);
    this.emit('redelivered', entry.message, reason);
    this.dispatch(queue);
  }

  private deadLetter(entry: Entry, reason: string): void {
    const { message } = entry;
    this.queueOf(entry).dead++;
    this.removeThen(entry, 'dead', () => this.store.deadLetter(message, reason)).catch((err) => this.logger.error({ err, key: message }, 'store deadLetter failed'));
    this.emit('dead', message, reason);
  }

  /**
   * Takes `entry` off the broker now, and off the store with `write` after: until the store
   * confirms, its removal is kept in `removing` (see `confirmRemoval`). Rejects if `write` fails.
   */
  private removeThen(entry: Entry, why: 'acked' | 'dead', write: () => Promise<unknown>): Promise<void> {
    const queue = this.queueOf(entry);
    const removal: StoreRemoval = { write, failed: false };
    queue.removing.set(entry.message.messageId, removal); // first, so that `remove` does not forget the queue
    this.remove(entry, why);
    return this.confirmRemoval(queue, entry.message.messageId, removal);
  }

  /**
   * The store is back after an outage: the removals whose writes failed meanwhile are written
   * again, so that the store stops holding what the hub acknowledged or dead-lettered (otherwise
   * delivered again by the next hub to open it). One line says how that went.
   */
  private onStoreBack(): void {
    if (this.shared) {
      this.retryReleases();
      this.reconcileDue = true;
      this.reconcile();
    }
    const writes: Promise<void>[] = [];
    for (const queue of this.queues.values()) {
      for (const [messageId, removal] of queue.removing) if (removal.failed) writes.push(this.confirmRemoval(queue, messageId, removal));
    }
    if (writes.length === 0) return;
    void Promise.allSettled(writes).then((results) => {
      const failed = results.filter((r) => r.status === 'rejected').length;
      const message = `the queue store is back: wrote again ${writes.length} acknowledgements and dead letters that had failed (${failed} failed again)`;
      if (failed) this.logger.warn(message);
      else this.logger.info(message);
    });
  }

  /**
   * Makes a removal already made in memory in the store, and forgets it once the store confirms.
   * One that fails is kept, marked failed, for a later live duplicate of it to write again
   * (`publish`); the store holds the entry meanwhile, and a restart delivers it again.
   */
  private async confirmRemoval(queue: QueueState, messageId: string, removal: StoreRemoval): Promise<void> {
    removal.failed = false;
    try {
      await removal.write();
    } catch (err) {
      removal.failed = true;
      throw err;
    }
    if (queue.removing.get(messageId) !== removal) return;
    queue.removing.delete(messageId);
    this.forgetIfIdle(queue);
  }

  /** Shared hubs: hears of queues with entries to take, and looks by itself every {@link SHARED_POLL_MS}. */
  private startSharing(shared: SharedQueues): void {
    this.stopHearing = shared.onAvailable((queueId) => {
      const queue = this.queues.get(queueId);
      if (queue) this.pull(queue);
    });
    const look = () => {
      this.store.depths().then(
        (depths) => {
          this.wholeDepths = depths;
          // Dead letters requeued through another hub are no longer this queue's to count.
          for (const queue of [...this.queues.values()]) {
            queue.dead = depths.get(queue.queueId)?.dead ?? 0;
            this.forgetIfIdle(queue);
          }
        },
        // The store away: the last figures stand, and /healthz says why.
        () => undefined,
      );
    };
    look();
    this.poller = setInterval(() => {
      this.retryReleases();
      this.reconcile();
      for (const queue of this.queues.values()) this.pull(queue);
      look();
    }, SHARED_POLL_MS).unref();
  }

  /**
   * Shared hubs, once the store is back after an outage: gives back what the store has this hub
   * holding that it never heard of (a take that ran, whose answer was lost with the connection).
   * Only with no take under way, whose entries the store would count as unknown; until then, and
   * after a failure, the poller tries again.
   */
  private reconcile(): void {
    const shared = this.shared;
    if (!shared || !this.reconcileDue || this.closed) return;
    const queues = [...this.queues.values()];
    if (queues.some((queue) => queue.pulling)) return;
    this.reconcileDue = false;
    // What it sends, and what it has removed whose removal the store has not confirmed yet (an
    // acknowledgement to write again): both are held in the store until written.
    const held = queues.flatMap((queue) => [...queue.entries.keys(), ...queue.removing.keys()].map((messageId) => ({ queueId: queue.queueId, messageId })));
    // A release still to be written is held too, until it is.
    for (const { key } of this.unreleased.values()) held.push(key);
    shared.reconcile(held).then(
      (given) => {
        if (given > 0) this.logger.warn(`gave back ${given} entries that the store had this hub holding, taken for it by a take whose answer was lost`);
      },
      (err: unknown) => {
        this.logger.debug({ err }, 'could not reconcile with the shared store; trying again');
        this.reconcileDue = true;
      },
    );
  }

  /**
   * Shared hubs: takes from the store what this hub's consumers of `queue` have room for, and the
   * packages its drivers claimed that no hub holds; one take at a time per queue. Failures (the
   * store away) are left to the next look.
   */
  private pull(queue: QueueState): void {
    const shared = this.shared;
    if (!shared || this.closed) return;
    if (queue.pulling) {
      queue.pullAgain = true;
      return;
    }
    let room = -queue.ready.size;
    for (const consumer of queue.available) room += queue.standings.allowance(consumer) - (queue.holdings.get(consumer)?.size ?? 0);
    const owners = queue.queueId === DRIVER_QUEUE ? [...new Set([...queue.holdings.keys()].map((consumer) => consumer.id))] : [];
    if (room <= 0 && owners.length === 0) return;
    queue.pulling = true;
    queue.pullAgain = false;
    const number = ++queue.takesStarted;
    shared
      .take(queue.queueId, Math.max(0, room), owners)
      .then((taken) => {
        this.takeUp(queue, taken);
        // As many as asked for: more may be waiting.
        return room > 0 && taken.length >= room;
      })
      .catch((err: unknown) => {
        this.logger.debug({ err, queue: queue.queueId }, 'could not take from the shared store');
        return false;
      })
      .then((more) => {
        queue.pulling = false;
        if (more || queue.pullAgain) this.pull(queue);
        // Who waited for this take or an earlier one is answered; everyone, once no take follows.
        for (const waiter of queue.pullWaiters.splice(0)) {
          if (queue.pulling && waiter.until > number) queue.pullWaiters.push(waiter);
          else waiter.resolve();
        }
        if (!queue.pulling) this.forgetIfIdle(queue);
      });
  }

  /**
   * Shared hubs: resolves once the take under way for `queue` is done, or the one asked for after
   * it (`pullAgain`), which sees what was asked since; at once if none is. Not "once no take is
   * under way": while other hubs publish, one take follows another.
   */
  private taken(queue: QueueState): Promise<void> {
    if (!queue.pulling) return Promise.resolve();
    const until = queue.takesStarted + (queue.pullAgain ? 1 : 0);
    return new Promise((resolve) => queue.pullWaiters.push({ until, resolve }));
  }

  /**
   * Shared hubs: starts tracking entries taken from the store, and sends them. One past its TTL
   * that nobody claimed is dead-lettered instead: an entry waits in the store, not here, so this
   * is where its TTL is applied.
   */
  private takeUp(queue: QueueState, taken: TakenEntry[]): void {
    if (taken.length === 0) return;
    const now = Date.now();
    for (const { message, failures } of taken) {
      if (queue.entries.has(message.messageId)) continue;
      this.track(queue, message);
      const entry = queue.entries.get(message.messageId)!;
      entry.attempts = failures;
      if (message.owner === undefined && message.expiresAt !== undefined && message.expiresAt <= now) this.deadLetter(entry, 'expired');
    }
    for (const consumer of queue.holdings.keys()) this.handBack(queue, consumer);
    // A claim whose driver left meanwhile goes back, still its own, for the hub it is on now.
    for (const entry of [...queue.claimed]) {
      if (entry.state.type === 'claimed' && !entry.state.consumer) this.giveBack(queue, entry, this.policy.leaseMs);
    }
    this.dispatch(queue);
  }

  /**
   * Shared hubs: gives `entry` back to the store, for any hub to take; a claim keeps its owner for
   * `claimLeftMs`, or is cleared without. A release the store fails is written again later: until
   * then the store has this hub holding it, and no other hub sends it.
   */
  private giveBack(queue: QueueState, entry: Entry, claimLeftMs: number | undefined): void {
    const how: Release = { failures: entry.attempts - entry.forgiven, ...(claimLeftMs !== undefined && { claimLeftMs }) };
    this.forget(queue, entry);
    this.forgetIfIdle(queue);
    this.releaseInStore(entry.message, how);
  }

  private releaseInStore(entryKey: EntryKey, how: Release): void {
    const key = { queueId: entryKey.queueId, messageId: entryKey.messageId };
    const id = JSON.stringify([key.queueId, key.messageId]);
    this.unreleased.delete(id);
    this.shared!.release(key, how).catch((err: unknown) => {
      this.logger.warn({ err, key }, 'could not give an entry back to the shared store; trying again');
      this.unreleased.set(id, { key, how });
    });
  }

  /** Writes again the releases the store failed. */
  private retryReleases(): void {
    for (const { key, how } of [...this.unreleased.values()]) this.releaseInStore(key, how);
  }

  /**
   * Takes an entry off this broker's memory: frees its consumer's slot and stops its timer. The
   * store is not told; `remove` and `giveBack` say why it went.
   */
  private forget(queue: QueueState, entry: Entry): void {
    this.release(queue, entry);
    this.setState(queue, entry, { type: 'queued' });
    entry.gone = true;
    queue.entries.delete(entry.message.messageId);
    this.total--;
  }

  /** Takes an entry off the broker: acknowledged or dead. Frees its consumer's slot. */
  private remove(entry: Entry, why: 'acked' | 'dead'): void {
    if (entry.gone) return;
    const queue = this.queueOf(entry);
    const sentAt = entry.state.type === 'queued' ? undefined : entry.state.since;
    const consumer = entry.state.type === 'queued' ? undefined : entry.state.consumer;
    if (why === 'acked' && consumer) this.acknowledgedBy(queue, consumer);
    this.forget(queue, entry);
    if (why === 'acked') this.emit('acked', entry.message, sentAt === undefined ? undefined : Date.now() - sentAt);
    this.dispatch(queue);
    this.forgetIfIdle(queue);
  }

  /** `consumer` acknowledged (or claimed) a message it was sent: it is honest, for now. */
  private acknowledgedBy(queue: QueueState, consumer: Consumer): void {
    if (!queue.holdings.has(consumer) || !queue.standings.acknowledged(consumer)) return;
    this.logger.info({ consumer: consumer.id, queue: queue.queueId }, `consumer ${consumer.id} of queue ${queue.queueId} acknowledged a message: no longer a suspect`);
    this.emit('cleared', consumer);
    this.offerRoom(queue, consumer);
  }

  /** A message timed out at `consumer`; `suspectAfter` in a row, or one on probation, make it a suspect. */
  private timedOut(queue: QueueState, consumer: Consumer): void {
    if (!queue.holdings.has(consumer)) return;
    const became = queue.standings.timedOut(consumer);
    if (!became) return;
    queue.available.delete(consumer);
    this.logger.warn(
      { consumer: consumer.id, queue: queue.queueId, ...became },
      `consumer ${consumer.id} of queue ${queue.queueId} timed out ${became.timeouts} times in a row: a suspect, sent nothing for ${became.probationInMs} ms, then one message on probation`,
    );
    this.emit('suspect', consumer, became.timeouts);
  }

  /**
   * A suspect's wait is over: it may hold one message, and acknowledging it clears the suspect.
   * Only attached consumers get here: `detach` forgets a standing, and its timer with it.
   */
  private probation(queue: QueueState, consumer: Consumer): void {
    this.offerRoom(queue, consumer);
    this.dispatch(queue);
  }

  private setState(queue: QueueState, entry: Entry, state: DeliveryState): void {
    if (entry.state.type !== 'queued') clearTimeout(entry.state.timer);
    if (entry.state.type === 'claimed') queue.claimed.delete(entry);
    if (state.type === 'claimed') queue.claimed.add(entry);
    entry.state = state;
  }

  private hold(queue: QueueState, consumer: Consumer, entry: Entry): void {
    let held = queue.holdings.get(consumer);
    if (held === undefined) return; // a getAll from a consumer that detached meanwhile; its timer will requeue
    if (held === null) queue.holdings.set(consumer, (held = new Set()));
    held.add(entry);
    queue.inFlight++;
    // Re-adding moves the consumer to the back of the line: that is the round robin.
    queue.available.delete(consumer);
    this.offerRoom(queue, consumer);
  }

  private release(queue: QueueState, entry: Entry): void {
    const consumer = entry.state.type === 'queued' ? undefined : entry.state.consumer;
    const held = consumer && queue.holdings.get(consumer);
    if (!consumer || !held?.delete(entry)) return;
    queue.inFlight--;
    this.offerRoom(queue, consumer);
  }

  /** Makes an attached consumer available for dispatch if it has room and is not paused or a suspect. */
  private offerRoom(queue: QueueState, consumer: Consumer): void {
    const held = queue.holdings.get(consumer);
    if (held === undefined || (held?.size ?? 0) >= queue.standings.allowance(consumer) || queue.paused.has(consumer)) return;
    queue.available.add(consumer);
  }

  private startSweeper(): void {
    const ttl = this.policy.messageTtlMs;
    if (ttl <= 0) return;
    this.sweeper = setInterval(() => this.expire(), Math.max(20, Math.min(1000, ttl / 4))).unref();
  }

  /** Dead-letters waiting messages past their TTL. In-flight ones are left to finish. */
  private expire(): void {
    const now = Date.now();
    for (const queue of this.queues.values()) {
      for (const entry of queue.entries.values()) {
        const expiresAt = entry.message.expiresAt;
        if (entry.state.type === 'queued' && expiresAt !== undefined && expiresAt <= now) this.deadLetter(entry, 'expired');
      }
    }
  }
}
