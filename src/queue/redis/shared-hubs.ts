/**
 * Shared hubs (`CAPS_SHARED=true`): any number of hubs write under one Redis prefix side by side,
 * and Redis is the live truth of every queue (shared-queues.ts says what that promises). This is
 * each hub's membership, what the writer lease (writer-lease.ts) is to a hub that writes alone:
 *
 * - **Fencing.** Shared hubs take no lease. Their scripts pass the fence (lua/fence.lua) while no
 *   hub holds the writer lease, and fail with FENCED while one does: a hub that writes alone keeps
 *   everything in its memory, and must not have others write under it. Such a failure is answered
 *   `unavailable` and lasts as long as that hub runs.
 * - **Beating.** Every third of its beat's length (`leaseMs`: `CAPS_REDIS_LEASE_MS`, or
 *   `ACK_TIMEOUT_MS` if shorter, hub.ts `redisSettings`), one script (lua/beat.lua) stamps this
 *   hub's beat and does every hub's upkeep: what a hub that stopped beating for that long held goes
 *   back to its queue (a claim keeps its owner), and claims that ran out while nobody held them
 *   are cleared.
 * - **Hearing.** A second connection subscribes to the prefix's `available` channel, and to its
 *   `in-transit` channel, on which hubs pass each other what they relay to a store's room.
 * - **Indexing.** The first shared hub on a prefix files the entries that an earlier CAPS wrote
 *   without saying where each waits (lua/index.lua), once.
 * - **Leaving.** On close, this hub gives back all it holds at once, so that other hubs send it on
 *   without waiting for its beat to expire.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { Envelope } from '../../protocol/envelope';
import type { Logger } from '../../logger';
import { StoreFencedError } from './errors';
import type { RedisKeys } from './keys';
import type { Fence, Scripts } from './scripts';
import { describeHolder, fencedBy } from './writer-lease';

export class SharedHubs {
  /** This hub's token: what it holds is held under it. */
  readonly token = `pid ${process.pid} on ${hostname()} #${randomUUID()}`;
  readonly fence: Fence;
  private readonly timer: NodeJS.Timeout;
  private readonly heard = new EventEmitter<{ queue: [queueId: string]; broadcast: [room: string, envelope: Envelope] }>();

  private constructor(
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
    private readonly subscriber: Redis,
    private readonly leaseMs: number,
    private readonly claimLeaseMs: number,
    private readonly logger: Logger,
  ) {
    this.fence = { keys: [keys.writer, keys.epoch], args: [this.token, 'shared', String(leaseMs)] };
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === keys.available) this.heard.emit('queue', text);
      else {
        const broadcast = parseBroadcast(text);
        if (broadcast) this.heard.emit('broadcast', ...broadcast);
      }
    });
    this.timer = setInterval(() => void this.beat().catch(() => undefined), leaseMs / 3);
    this.timer.unref();
  }

  /**
   * Joins the shared hubs of `keys.prefix` with a first beat, and subscribes on a duplicate of
   * `client`. Rejects if Redis fails either.
   */
  static async join(client: Redis, scripts: Scripts, keys: RedisKeys, options: { leaseMs: number; claimLeaseMs: number; logger: Logger }): Promise<SharedHubs> {
    const subscriber = client.duplicate({ connectionName: 'caps-hub-subscriber', enableOfflineQueue: true });
    // Its losses are the store connection's to report.
    subscriber.on('error', () => undefined);
    try {
      await subscriber.connect();
      await subscriber.subscribe(keys.available, keys.inTransit);
      const filed = (await scripts.run('index', [keys.liveCounts, keys.indexed], [keys.prefix])) as number;
      if (filed > 0) options.logger.info(`filed ${filed} entries written by an earlier CAPS as ready or parked, for shared hubs to take`);
      const hubs = new SharedHubs(scripts, keys, subscriber, options.leaseMs, options.claimLeaseMs, options.logger);
      await hubs.beat();
      return hubs;
    } catch (err) {
      subscriber.disconnect();
      throw err;
    }
  }

  /** Calls `listener` with each queue that shared hubs say has entries to take. */
  onAvailable(listener: (queueId: string) => void): () => void {
    this.heard.on('queue', listener);
    return () => this.heard.off('queue', listener);
  }

  /** Calls `listener` with each room broadcast a shared hub sends (store.ts's `broadcast`). */
  onBroadcast(listener: (room: string, envelope: Envelope) => void): () => void {
    this.heard.on('broadcast', listener);
    return () => this.heard.off('broadcast', listener);
  }

  /** A shared hub loses nothing for good: a fence is lifted when the hub that writes alone stops. */
  get lost(): undefined {
    return undefined;
  }

  /** Never: see `lost`. */
  whenLost(): Promise<never> {
    return new Promise(() => undefined);
  }

  /** Beats at once, after Redis came back. */
  async renew(): Promise<void> {
    await this.beat().catch(() => undefined);
  }

  /** A FENCED failure, as the error to answer with; `undefined` for any other. */
  check(err: unknown): StoreFencedError | undefined {
    const holder = fencedBy(err);
    if (holder === undefined) return undefined;
    return new StoreFencedError(`a hub that writes alone (${describeHolder(holder)}) holds the writer lease of this prefix: shared hubs write nothing while it runs`);
  }

  /** Gives back all this hub holds, leaves, and stops listening. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.heard.removeAllListeners();
    try {
      await this.call(true);
    } finally {
      this.subscriber.disconnect();
    }
  }

  /** One beat: this hub's, and the upkeep every beat does (lua/beat.lua). */
  private async beat(): Promise<void> {
    const [released, cleared] = await this.call(false);
    if (released > 0 || cleared > 0) {
      this.logger.warn(`gave back ${released} entries held by hubs that stopped beating, and cleared ${cleared} claims that ran out unheld`);
    }
  }

  private async call(leaving: boolean): Promise<[number, number]> {
    const args = [this.keys.prefix, this.token, String(this.leaseMs), leaving ? '1' : '0', String(this.claimLeaseMs)];
    return (await this.scripts.run('beat', [this.keys.holders, this.keys.liveCounts], args)) as [number, number];
  }
}

/**
 * A room broadcast as another hub published it: `[room, envelope]`; `undefined` for what is not
 * JSON. Only hubs of the same prefix publish there, so the envelope's shape is taken on trust.
 */
function parseBroadcast(text: string): [room: string, envelope: Envelope] | undefined {
  try {
    const [room, envelope] = JSON.parse(text) as [unknown, Envelope];
    return typeof room === 'string' ? [room, envelope] : undefined;
  } catch {
    return undefined;
  }
}
