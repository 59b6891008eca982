/**
 * A hub run as a hot standby (`npm run hub -- --standby`, `CAPS_STANDBY=true`; docs/scaling.md,
 * "Hot standby"). Run two hubs so, on one Redis and prefix: the first to start is the active hub,
 * the other stands by, and takes over when the active one dies.
 *
 * Round and round:
 *
 * 1. It opens its Redis store. While another hub holds the prefix's writer lease, that waits
 *    (queue/redis/standby.ts): one line names the holder, and the lease is looked at every third
 *    of its length, until its holder gave it up or could not renew it (killed: at most
 *    `CAPS_REDIS_LEASE_MS` after its last renewal).
 * 2. With the lease its own, it serves: the broker reads every waiting message and every claim,
 *    with its owner, from Redis, the hub starts listening, and it logs that it is the active hub.
 * 3. Should it ever lose the lease (it paused for longer than the lease, and a standby took
 *    over), it stops serving, which drops its clients' connections so that they move to the hub
 *    that holds the lease now, and stands by again. Left serving, it would answer every write
 *    `unavailable`, and its clients, still connected, would never move.
 *
 * Why a standby does not listen while it waits, rather than answer `/healthz` 503 and refuse
 * Socket.IO connections:
 *
 * - Our clients move to the next hub at once when a connection is refused (client/hub-link.ts),
 *   with no handshake to go through first; a classroom client that knows only this hub keeps
 *   retrying either way.
 * - A load balancer keeps a hub out of its pool alike whether its health check (TCP, or HTTP on
 *   `/healthz`) is refused or answered 503.
 * - A hub with no broker and no port cannot serve anything by mistake: nothing is answered by a
 *   hub that does not hold the lease.
 *
 * The price: a port check cannot tell a standby from a dead hub (the roster in Redis can:
 * queue/redis/hub-roster.ts, the dashboard's Hubs panel), and the port is bound only at takeover:
 * were it taken meanwhile, the takeover fails with "port in use".
 */
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import type { QueueStore } from '../queue/store';
import { openRedisStore } from '../queue/create-store';
import { redisSettings, storeOptions } from './hub';

/** A hub that serves: where, and how to stop it. */
export interface Serving {
  /** `http://localhost:<port>`. */
  readonly url: string;
  /** Its hub id, and the port it listens on. */
  readonly id: string;
  readonly port: number;
  /** How many `/caps` clients are connected to it now. */
  clients(): number;
  /** Stops the hub (its clients are disconnected, its store closed). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StandbyRun {
  /** Starts serving from `store`, whose writer lease is this hub's. */
  serve(store: QueueStore): Promise<Serving>;
  /** Ends a wait for the lease (the process is being stopped); `runStandby` then returns. */
  signal: AbortSignal;
  /** Called as soon as the lease is found lost, before the hub stops serving. */
  onLost?: () => void;
}

/**
 * Stands by, serves while this hub holds the writer lease, and stands by again if it loses it,
 * until `run.signal` ends a wait. Rejects if the store cannot be opened (Redis unreachable at start).
 */
export async function runStandby(config: HubConfig, logger: Logger, run: StandbyRun): Promise<void> {
  const redis = { ...redisSettings(config, logger), standby: { signal: run.signal } };
  for (;;) {
    const store = await openRedisStore(config.store, storeOptions(config), redis).catch((err: unknown) => {
      if (run.signal.aborted) return undefined;
      throw err;
    });
    if (!store) return;
    const serving = await run.serve(store);
    logger.info(`now the active hub: this hub holds the writer lease of ${store.where} and serves at ${serving.url}`);
    // The store has said why (writer-lease.ts): it writes nothing more, and stands by again.
    await store.whenLost();
    run.onLost?.();
    await serving.stop();
  }
}
