/**
 * The queue store on Redis (`CAPS_STORE=redis[s]://[[user][:password]@]host:port[/db]`): every
 * queue entry, dead letter and recent acknowledgement lives in Redis under one key prefix
 * (`CAPS_REDIS_PREFIX`), laid out as redis/keys.ts draws it. One hub writes under a prefix at a
 * time (redis/writer-lease.ts), unless the hubs share it (`CAPS_SHARED`; redis/shared-hubs.ts):
 * the store then gives `shared` (shared-queues.ts), and keeps the length limits itself.
 *
 * ## Atomicity
 *
 * Every change is one Lua script (redis/lua/), which Redis runs as one step: `enqueue` checks the
 * de-duplication window, completes the other entry, hands out the seq (`INCR` of one counter for
 * all queues) and keeps the queue's count, all at once; after a crash either all of it happened or
 * none did. Each script first checks the writer lease's token (fencing), so a hub that lost its
 * lease changes nothing.
 *
 * ## Durability
 *
 * A call resolves when Redis has replied, so it is exactly as durable as Redis's own persistence.
 * Run Redis with `appendonly yes` and `appendfsync everysec`: Redis appends each change to its
 * append-only file (a `write` to the operating system) before it sends the reply, so a killed
 * Redis process (even SIGKILL) loses nothing that was acknowledged, while a power cut or kernel
 * crash may lose up to the last second, which had not been fsynced yet. One exception: while a
 * second's fsync is still running, Redis 7.0 holds its appends back for up to 2 s and answers
 * meanwhile (it logs "Asynchronous AOF fsync is taking too long"), so on a disk that busy even a
 * SIGKILL can lose those 2 s. `appendfsync always` fsyncs before each reply (nothing lost on a
 * power cut either, at a cost per write); this store does not choose for Redis, so
 * `STORE_DURABILITY` does not apply to it (docs/scaling.md). The store warns at open if Redis
 * keeps no append-only file.
 *
 * ## Failure
 *
 * While Redis is unreachable every call rejects at once with {@link StoreUnavailableError}
 * (redis/connection.ts says how), `health` reports the store down, and the store recovers by
 * itself when Redis is back. A call that rejected may still have been carried out by Redis just
 * before it went away: a retry is then a duplicate, and `enqueue`'s answer carries the entry
 * (`live`), so that the broker takes up what it did not know it had stored.
 *
 * ## Order
 *
 * Calls go over one connection, and Redis answers them in the order they were sent: a call
 * resolves only after every call made before it has, and a read sees every change made before it.
 */
import { EventEmitter } from 'node:events';
import type { ChainableCommander } from 'ioredis';
import type { Logger } from '../logger';
import type { EntryKey } from '../protocol/envelope';
import { RedisConnection } from './redis/connection';
import { RedisUnreachableError, StoreUnavailableError, WriterLeaseHeldError } from './redis/errors';
import { RedisKeys } from './redis/keys';
import { Scripts, type ScriptName } from './redis/scripts';
import { SharedHubs } from './redis/shared-hubs';
import { standBy, type StandbyOptions } from './redis/standby';
import { DEFAULT_LEASE_MS, WriterLease } from './redis/writer-lease';
import type { Release, SharedQueues, TakenEntry } from './shared-queues';
import {
  StoreClosedError,
  type DeadLetter,
  type EnqueueOutcome,
  type NewMessage,
  type QueueDepth,
  type QueueStore,
  type StoreHealth,
  type StoredMessage,
  type StoreOptions,
} from './store';
import type { RedisSpec } from './store-spec';

export interface RedisStoreOptions extends StoreOptions {
  /** Put before every key (`CAPS_REDIS_PREFIX`). */
  prefix: string;
  /** Where the store says that Redis went away and came back, or that the lease was lost. */
  logger: Logger;
  /** How long the writer lease runs unless renewed (`CAPS_REDIS_LEASE_MS`); {@link DEFAULT_LEASE_MS} by default. */
  leaseMs?: number;
  /**
   * Set for a hot standby (`--standby`): if another hub holds the writer lease, `open` waits until
   * it is free (redis/standby.ts) rather than reject with WriterLeaseHeldError.
   */
  standby?: StandbyOptions;
  /** Set for shared hubs (`CAPS_SHARED`): no writer lease; the store keeps these limits and gives `shared`. */
  shared?: SharedSettings;
}

/** What a store that hubs share keeps for them: the length limits, and how long a claim runs. */
export interface SharedSettings {
  /** `MAX_QUEUE_LENGTH` and `MAX_TOTAL_MESSAGES`. */
  maxQueueLength: number;
  maxTotalMessages: number;
  /** `LEASE_MS`: how long a driver's claim runs once no hub holds its package. */
  claimLeaseMs: number;
}

/** What `readQueue` returns for one entry (lua/read-queue.lua). */
interface ReadEntry {
  record: StoredMessage;
  death: string | null;
}

export class RedisStore implements QueueStore {
  readonly kind = 'redis';
  /** `redis://host:port/db prefix "caps:"`, for messages. */
  readonly where: string;
  private readonly windowMs: number;
  private readonly now: () => number;
  private closing?: Promise<void>;
  /** Says `change` whenever `health` may say something else: see `onHealthChange`. */
  private readonly healthChanges = new EventEmitter<{ change: [] }>();

  /** Set when hubs share the store: see {@link SharedQueues}. */
  readonly shared?: SharedQueues;
  private readonly limits: [maxQueueLength: string, maxTotalMessages: string];
  /** How long a shared hub's claim runs (`LEASE_MS`), for lua/claim.lua. */
  private readonly claimLeaseMs: string;

  private constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: Scripts,
    private readonly lease: WriterLease | SharedHubs,
    private readonly keys: RedisKeys,
    options: RedisStoreOptions,
    where: string,
  ) {
    this.where = where;
    const shared = options.shared;
    this.limits = shared ? [String(shared.maxQueueLength), String(shared.maxTotalMessages)] : ['0', '0'];
    this.claimLeaseMs = String(shared?.claimLeaseMs ?? 0);
    if (shared && lease instanceof SharedHubs) this.shared = this.sharedQueues(lease);
    this.windowMs = options.dedupWindowMs;
    this.now = options.now ?? Date.now;
    // Back from an outage: the lease may have run out meanwhile; take it back before the next write has to.
    connection.on('back', () => void lease.renew());
    const changed = () => this.healthChanges.emit('change');
    connection.on('down', changed);
    connection.on('back', changed);
    void lease.whenLost().then(changed);
  }

  /**
   * Connects to `spec` and takes the writer lease of `options.prefix`, or with `options.standby`
   * waits until it can. Rejects with RedisUnreachableError or WriterLeaseHeldError
   * (redis/errors.ts), or a standby's abort reason. The caller must `close` it.
   */
  static async open(spec: RedisSpec, options: RedisStoreOptions): Promise<RedisStore> {
    const connection = await RedisConnection.open(spec, options.logger);
    const where = `${connection.where} prefix ${JSON.stringify(options.prefix)}`;
    try {
      const scripts = new Scripts(connection.client);
      const keys = new RedisKeys(options.prefix);
      const leaseOptions = { leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, logger: options.logger, where, standby: options.standby !== undefined };
      const lease = options.shared
        ? await SharedHubs.join(connection.client, scripts, keys, { ...leaseOptions, claimLeaseMs: options.shared.claimLeaseMs })
        : options.standby
          ? await standBy(connection, scripts, keys, { ...leaseOptions, ...options.standby })
          : await WriterLease.take(scripts, keys, leaseOptions);
      await warnIfNotPersistent(connection, options);
      if (options.shared) options.logger.info(`a shared hub on ${where}: it serves the prefix's queues side by side with every other hub started with --shared`);
      return new RedisStore(connection, scripts, lease, keys, options, where);
    } catch (err) {
      await connection.close();
      if (err instanceof WriterLeaseHeldError || options.standby?.signal?.aborted) throw err;
      // Redis went away, or failed a call, while the store was being opened.
      throw new RedisUnreachableError(`cannot use ${where} as the queue store: ${(err as Error).message}`, { cause: err });
    }
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    const k = this.keys;
    const q = message.queueId;
    const keys = [k.seq, k.liveCounts, k.live(q), k.dead(q), k.body(q), k.acked(q), k.owner(q), k.ready(q)];
    const args = [String(this.now()), String(this.windowMs), q, message.messageId, JSON.stringify(message), k.prefix, this.tell, ...this.limits];
    const done = options.completes;
    if (done) {
      const c = done.queueId;
      keys.push(k.live(c), k.body(c), k.owner(c), k.acked(c), k.ready(c), k.parked(c));
      args.push(done.queueId, done.messageId);
    }
    const reply = (await this.write('enqueue', keys, args)) as number | [seq: string, body: string | null, owner: string | null];
    if (Array.isArray(reply)) return { status: 'duplicate', live: storedRecord(message, reply[0], reply[1], reply[2]) };
    if (reply < 0) return { status: 'full', limit: reply === -1 ? 'queue' : 'hub' };
    return reply > 0 ? { status: 'stored', message: { ...message, seq: reply } } : { status: 'duplicate' };
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    return (await this.readQueue(queueId, 'live')).map((entry) => entry.record);
  }

  async queues(): Promise<string[]> {
    const [live, dead] = await this.read(() => this.both((m) => m.hkeys(this.keys.liveCounts).hkeys(this.keys.deadCounts)));
    return [...new Set([...(live as string[]), ...(dead as string[])])];
  }

  async ack(key: EntryKey): Promise<boolean> {
    const k = this.keys;
    const q = key.queueId;
    const keys = [k.liveCounts, k.live(q), k.body(q), k.owner(q), k.acked(q), k.ready(q), k.parked(q)];
    return (await this.write('ack', keys, [String(this.now()), String(this.windowMs), q, key.messageId, k.prefix])) === 1;
  }

  /** For shared hubs, `false` also when this hub does not hold the entry (lua/claim.lua). */
  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    const k = this.keys;
    const q = key.queueId;
    const who = owner === undefined ? [] : [owner];
    if (!this.shared) return (await this.write('setOwner', [k.live(q), k.owner(q), k.ready(q), k.parked(q)], [key.messageId, ...who])) === 1;
    return (await this.write('claim', [k.live(q), k.owner(q), k.held(q), k.claimUntil(q)], [key.messageId, this.claimLeaseMs, ...who])) === 1;
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    const k = this.keys;
    const q = key.queueId;
    const keys = [k.liveCounts, k.deadCounts, k.live(q), k.dead(q), k.death(q), k.ready(q), k.parked(q)];
    return (await this.write('deadLetter', keys, [q, key.messageId, JSON.stringify({ reason, deadAt: this.now() }), k.prefix])) === 1;
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    const queues = queueId === undefined ? await this.read(() => this.connection.client.hkeys(this.keys.deadCounts)) : [queueId];
    const entries = (await Promise.all(queues.map((q) => this.readQueue(q, 'dead')))).flat();
    return entries
      .map(({ record, death }): DeadLetter => ({ ...record, ...(JSON.parse(death!) as { reason: string; deadAt: number }) }))
      .sort((a, b) => a.deadAt - b.deadAt || a.seq - b.seq);
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    const k = this.keys;
    const q = key.queueId;
    const keys = [k.seq, k.liveCounts, k.deadCounts, k.live(q), k.dead(q), k.owner(q), k.death(q), k.body(q), k.ready(q)];
    const reply = (await this.write('requeue', keys, [q, key.messageId, this.tell])) as [number, string] | null;
    return reply ? { ...(JSON.parse(reply[1]) as NewMessage), seq: reply[0] } : undefined;
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    const [live, dead] = await this.read(() => this.both((m) => m.hgetall(this.keys.liveCounts).hgetall(this.keys.deadCounts)));
    const depths = new Map<string, QueueDepth>();
    for (const [queueId, n] of Object.entries(live as Record<string, string>)) depths.set(queueId, { queued: Number(n), dead: 0 });
    for (const [queueId, n] of Object.entries(dead as Record<string, string>)) {
      depths.set(queueId, { queued: depths.get(queueId)?.queued ?? 0, dead: Number(n) });
    }
    return depths;
  }

  /**
   * Resolves once this store has lost its writer lease to another hub (it writes nothing more);
   * never while it holds it. A standby hub then stops serving and stands by again.
   */
  whenLost(): Promise<Error> {
    return this.lease.whenLost();
  }

  /** Down while Redis is unreachable, and for good once the writer lease is lost. */
  health(): StoreHealth {
    const lost = this.lease.lost;
    if (lost) return { up: false, reason: lost.message };
    return this.connection.up ? { up: true } : { up: false, reason: this.connection.problem };
  }

  /** Calls `listener` when Redis is lost (or down for another reason), back, or the writer lease is lost. */
  onHealthChange(listener: () => void): () => void {
    this.healthChanges.on('change', listener);
    return () => this.healthChanges.off('change', listener);
  }

  /** Waits for the replies to every call made so far, gives the writer lease up and disconnects. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Unreachable Redis: the lease runs out by itself.
      await this.lease.release().catch(() => undefined);
      await this.connection.close();
    })();
    return this.closing;
  }

  /** The channel on which the scripts tell shared hubs of entries to take; `''` for a hub that writes alone. */
  private get tell(): string {
    return this.shared ? this.keys.available : '';
  }

  /** `shared`, for hubs that share this store: takes and releases by script, and hears `available`. */
  private sharedQueues(hubs: SharedHubs): SharedQueues {
    const k = this.keys;
    return {
      take: async (queueId, max, owners): Promise<TakenEntry[]> => {
        const keys = [k.live(queueId), k.ready(queueId), k.parked(queueId), k.held(queueId), k.body(queueId), k.failures(queueId), k.holding(hubs.token)];
        const reply = (await this.write('take', keys, [queueId, String(max), ...owners])) as (string | null)[];
        const taken: TakenEntry[] = [];
        for (let i = 0; i < reply.length; i += 5) {
          const [messageId, seq, body, owner, failures] = reply.slice(i, i + 5);
          taken.push({ message: storedRecord({ queueId, messageId: messageId! }, seq!, body, owner), failures: Number(failures) });
        }
        return taken;
      },
      release: async (key: EntryKey, how: Release): Promise<boolean> => {
        const q = key.queueId;
        const keys = [k.held(q), k.owner(q), k.failures(q), k.claimUntil(q), k.holding(hubs.token), k.live(q), k.ready(q), k.parked(q)];
        const claim = how.claimLeftMs === undefined ? '' : String(Math.max(0, Math.round(how.claimLeftMs)));
        return (await this.write('release', keys, [q, key.messageId, String(how.failures), claim, k.available])) === 1;
      },
      reconcile: async (held: EntryKey[]): Promise<number> => {
        const members = held.map((key) => JSON.stringify([key.queueId, key.messageId]));
        return (await this.write('reconcile', [k.holding(hubs.token)], [k.prefix, this.claimLeaseMs, ...members])) as number;
      },
      claimedBy: async (key: EntryKey): Promise<string | undefined> => {
        const [seq, owner] = await this.read(() => this.both((m) => m.zscore(k.live(key.queueId), key.messageId).hget(k.owner(key.queueId), key.messageId)));
        return seq === null ? undefined : ((owner as string | null) ?? undefined);
      },
      onAvailable: (listener) => hubs.onAvailable(listener),
      broadcast: async (room, envelope) => {
        await this.read(() => this.connection.client.publish(k.inTransit, JSON.stringify([room, envelope])));
      },
      onBroadcast: (listener) => hubs.onBroadcast(listener),
    };
  }

  /** Runs a fenced script; rejects as `write`'s callers expect (see `failure`). */
  private async write(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    this.assertOpen();
    const lost = this.lease.lost;
    if (lost) throw lost;
    try {
      return await this.scripts.fenced(name, this.lease.fence, keys, args);
    } catch (err) {
      throw this.lease.check(err) ?? this.unavailable(err);
    }
  }

  /** Runs a read; any failure of Redis rejects with {@link StoreUnavailableError}. */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await call();
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** Two reads in one `MULTI`, so that they see the same moment; their replies. */
  private async both(queue: (multi: ChainableCommander) => ChainableCommander): Promise<[unknown, unknown]> {
    const replies = (await queue(this.connection.client.multi()).exec()) ?? [];
    const [first, second] = replies.map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
    return [first, second];
  }

  /** A queue's live entries or dead letters, in seq order, in one script. */
  private async readQueue(queueId: string, which: 'live' | 'dead'): Promise<ReadEntry[]> {
    const k = this.keys;
    const keys = [which === 'live' ? k.live(queueId) : k.dead(queueId), k.body(queueId), k.owner(queueId), k.death(queueId)];
    const reply = (await this.read(() => this.scripts.run('readQueue', keys, []))) as (string | null)[];
    const entries: ReadEntry[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      const [messageId, seq, body, owner, death] = reply.slice(i, i + 5);
      entries.push({ record: storedRecord({ queueId, messageId: messageId! }, seq!, body, owner), death: death ?? null });
    }
    return entries;
  }

  private unavailable(err: unknown): StoreUnavailableError {
    if (err instanceof StoreUnavailableError) return err;
    const why = this.connection.up ? `Redis at ${this.connection.where} failed the call (${(err as Error).message})` : this.connection.problem;
    return new StoreUnavailableError(`the redis store is unavailable: ${why}`, { cause: err });
  }

  private assertOpen(): void {
    if (this.closing) throw new StoreClosedError(this.kind);
  }
}

/**
 * Warns when Redis keeps no append-only file (a restart of Redis would lose the queues), or when
 * `STORE_DURABILITY=flush` asks for what only Redis's `appendfsync always` gives. A Redis that
 * refuses `CONFIG` (some hosted ones) is taken on trust.
 */
async function warnIfNotPersistent(connection: RedisConnection, options: RedisStoreOptions): Promise<void> {
  let config: string[];
  try {
    config = (await connection.client.config('GET', 'appendonly', 'appendfsync')) as string[];
  } catch {
    return;
  }
  const settings = new Map<string, string>();
  for (let i = 0; i + 1 < config.length; i += 2) settings.set(config[i]!, config[i + 1]!);
  if (settings.get('appendonly') === 'no') {
    options.logger.warn(`Redis at ${connection.where} runs with appendonly no: a restart of Redis loses the queues; run it with appendonly yes (docs/scaling.md)`);
  }
  if (options.durability === 'flush' && settings.get('appendfsync') !== 'always') {
    options.logger.warn(`STORE_DURABILITY=flush does not apply to the redis store: Redis at ${connection.where} fsyncs ${settings.get('appendfsync') ?? 'as it is set to'}; set appendfsync always in Redis for that (docs/scaling.md)`);
  }
}

/**
 * Entry `key` as Redis keeps it: its seq (the score in live:<q> or dead:<q>), body and owner. An
 * entry without its body is a store that something other than CAPS changed: it is refused, whole.
 */
function storedRecord(key: EntryKey, seq: string, body: string | null | undefined, owner: string | null | undefined): StoredMessage {
  if (body == null) throw new StoreUnavailableError(`the redis store holds entry ${key.messageId} of queue ${key.queueId} without its message`);
  const message = JSON.parse(body) as NewMessage;
  return owner == null ? { ...message, seq: Number(seq) } : { ...message, seq: Number(seq), owner };
}
