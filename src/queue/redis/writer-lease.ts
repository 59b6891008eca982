/**
 * The writer lease: one hub at a time writes under a Redis prefix.
 *
 * The broker keeps its working state in memory and reads the store only when it starts, so it
 * must be the store's only writer: a second hub's writes would go unseen by the first, and each
 * would hand out what the other holds. Several active hubs on one prefix run as shared hubs
 * instead (shared-hubs.ts), which take no lease; this lease makes sure that two hubs that each
 * write alone cannot happen by accident. A hot standby waits for
 * the lease instead (standby.ts), and serves only once it holds it.
 *
 * - **Taking it.** A hub opening the store sets `<prefix>writer` to a token of its own, if nobody
 *   holds it (`SET NX PX`), and starts a new epoch (`<prefix>writer-epoch`). If another hub holds
 *   it, the opening hub watches the lease: a running hub renews it, and the opening hub then fails
 *   with {@link WriterLeaseHeldError}, naming that hub; a lease nobody renews is one a stopped
 *   hub left (killed, so it could not give it up), and it is taken once it expires. A standby
 *   waits in both cases.
 * - **Keeping it.** The hub renews it every third of its length.
 * - **Fencing.** Every script that writes checks the token first (lua/fence.lua), so a hub that
 *   lost its lease cannot write, whatever its memory says. A lease that merely expired (the hub
 *   paused, Redis restarted and the key had run out) is taken back by the next renewal or write,
 *   but only if nobody took it since: the epoch is still this hub's.
 * - **Losing it.** A hub that finds its lease taken writes nothing more (every write rejects with
 *   {@link StoreFencedError}) and says so in its log and in `/healthz`; it must be restarted (a
 *   standby stops serving and stands by again: {@link WriterLease.whenLost}). So does a hub whose
 *   Redis came back without its data (no append-only file): the lease and its epoch went with the
 *   queues, and the hub's memory no longer matches Redis.
 * - **Giving it up.** A hub that closes the store deletes the lease, so the next one starts at once.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../logger';
import { StoreFencedError, WriterLeaseHeldError } from './errors';
import type { RedisKeys } from './keys';
import type { Fence, Scripts } from './scripts';

/** How long a lease runs unless renewed, by default. */
export const DEFAULT_LEASE_MS = 10_000;
/** How often an opening hub looks again at a lease another hub holds. */
const WATCH_MS = 100;
/** How a fenced script's error begins (lua/fence.lua). */
const FENCED = 'FENCED';
/** What several hubs on one prefix are told to do instead, for now. */
const NOT_YET = 'to run several hubs on one Redis prefix, start every one of them with --shared (CAPS_SHARED=true); or give this one its own CAPS_REDIS_PREFIX';
/** What a hot standby does once it lost its lease (hub/standby-hub.ts). */
const AS_STANDBY = 'and stops serving, so that its clients move to the hub that holds the lease now; it stands by again';

/** Who holds a lease that could not be taken (their token), and for how many ms more (-1: no expiry). */
export interface LeaseHolder {
  holder: string;
  leftMs: number;
}

export interface LeaseOptions {
  leaseMs: number;
  logger: Logger;
  /** `redis://host:port/db prefix "caps:"`, for messages. */
  where: string;
  /** Whether the hub stands by again when it loses the lease (a hot standby), rather than wait to be restarted; for the log. */
  standby?: boolean;
}

export class WriterLease {
  readonly fence: Fence;
  private readonly timer: NodeJS.Timeout;
  private renewing = false;
  /** Set once the lease is lost: what every write rejects with from then on. */
  private lostTo?: StoreFencedError;
  private readonly lostPromise: Promise<StoreFencedError>;
  private settleLost!: (error: StoreFencedError) => void;

  private constructor(
    private readonly scripts: Scripts,
    keys: RedisKeys,
    token: string,
    epoch: string,
    private readonly options: LeaseOptions,
  ) {
    this.fence = { keys: [keys.writer, keys.epoch], args: [token, epoch, String(options.leaseMs)] };
    this.lostPromise = new Promise((resolve) => (this.settleLost = resolve));
    this.timer = setInterval(() => void this.renew(), options.leaseMs / 3);
    // The store's `close` stops it; until then it must not keep a finished process alive.
    this.timer.unref();
  }

  /** A token for a hub that is about to take the lease: who it is, and a random part of its own. */
  static token(): string {
    return `pid ${process.pid} on ${hostname()} (started ${new Date().toISOString()}) #${randomUUID()}`;
  }

  /**
   * One attempt at the lease under `token`: the lease, if nobody held it, or who holds it. Rejects
   * with {@link WriterLeaseHeldError} while shared hubs run on the prefix: a hub that writes alone
   * does not mix with them.
   */
  static async attempt(scripts: Scripts, keys: RedisKeys, token: string, options: LeaseOptions): Promise<WriterLease | LeaseHolder> {
    const [taken, holder, leftMs] = (await scripts.run('takeLease', [keys.writer, keys.epoch, keys.holders], [token, String(options.leaseMs)])) as [number, string | number, number];
    if (taken === 1) return new WriterLease(scripts, keys, token, String(holder), options);
    if (taken === -1) {
      throw new WriterLeaseHeldError(
        `shared hubs (--shared) serve ${options.where}, ${describeHolder(String(holder))} among them: a hub that writes alone would keep their queues in its own memory; start this hub with --shared too (docs/scaling.md)`,
      );
    }
    return { holder: String(holder), leftMs };
  }

  /**
   * Takes the lease, waiting if need be for one that a stopped hub left to expire. Rejects with
   * {@link WriterLeaseHeldError} if a running hub holds it (a standby waits instead: standby.ts).
   */
  static async take(scripts: Scripts, keys: RedisKeys, options: LeaseOptions): Promise<WriterLease> {
    const token = WriterLease.token();
    let seen: LeaseHolder | undefined;
    for (;;) {
      const attempt = await WriterLease.attempt(scripts, keys, token, options);
      if (attempt instanceof WriterLease) return attempt;
      const { holder, leftMs } = attempt;
      // A running holder renews its lease: the time it has left grows, or another token stands there.
      // A lease with no expiry at all (-1) was set by hand, and no waiting makes it go.
      const alive = leftMs < 0 || (seen !== undefined && (holder !== seen.holder || leftMs > seen.leftMs));
      if (alive) throw new WriterLeaseHeldError(`the writer lease of ${options.where} is held by another running ${describeHolder(holder)}: ${NOT_YET}`);
      if (!seen) options.logger.warn(`the writer lease of ${options.where} is held by ${describeHolder(holder)}, for ${leftMs} ms more; waiting to see whether that hub still runs`);
      seen = attempt;
      await delay(Math.min(WATCH_MS, leftMs + 1));
    }
  }

  /** Resolves with the error every write rejects with, once the lease is lost; never while it is held. */
  whenLost(): Promise<StoreFencedError> {
    return this.lostPromise;
  }

  /** The error every write rejects with once the lease is lost, or `undefined` while it is held. */
  get lost(): StoreFencedError | undefined {
    return this.lostTo;
  }

  /**
   * Renews the lease, or takes it back if it expired and nobody took it since. Finding it lost
   * marks it lost; any other failure (Redis unreachable) is left to the next renewal.
   */
  async renew(): Promise<void> {
    if (this.renewing || this.lostTo) return;
    this.renewing = true;
    try {
      await this.scripts.fenced('renewLease', this.fence, [], []);
    } catch (err) {
      this.check(err);
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Looks at a failed script's error: a FENCED one (see lua/fence.lua) means the lease is lost,
   * and returns the error writes reject with from now on; any other returns `undefined`.
   */
  check(err: unknown): StoreFencedError | undefined {
    const holder = fencedBy(err);
    if (holder === undefined) return undefined;
    if (!this.lostTo) {
      clearInterval(this.timer);
      // No holder and another epoch: a hub held the lease since and stopped, or Redis lost its data.
      const who = holder === '' ? 'another hub that has since stopped, or Redis lost its data' : describeHolder(holder);
      const then = this.options.standby ? AS_STANDBY : `until it is restarted: ${NOT_YET}`;
      this.lostTo = new StoreFencedError(`this hub lost the writer lease of ${this.options.where} to ${who}; it writes nothing more ${then}`);
      this.options.logger.error(this.lostTo.message);
      this.settleLost(this.lostTo);
    }
    return this.lostTo;
  }

  /** Stops renewing and gives the lease up, if it is still this hub's. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.lostTo) return;
    await this.scripts.run('releaseLease', [this.fence.keys[0]], [this.fence.args[0]]);
  }
}

/**
 * For a script that failed at the fence (lua/fence.lua), the token of the hub holding the writer
 * lease (`''` if nobody does); `undefined` for any other failure.
 */
export function fencedBy(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : '';
  return message.startsWith(FENCED) ? message.slice(FENCED.length).split(' script:')[0]!.trim() : undefined;
}

/** A holder's token without its random part: `hub pid 123 on host (started <time>)`. */
export function describeHolder(token: string): string {
  return `hub ${token.replace(/ #[^#]*$/, '')}`;
}
