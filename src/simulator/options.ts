/**
 * What a simulation run is asked to do, with every default in one literal.
 *
 * The CLI (main.ts) parses flags into a `Partial<SimulationOptions>`; `simulationOptions` merges it
 * over {@link DEFAULT_SIMULATION} once and checks it, so the rest of the simulator works with a fully
 * filled, valid object.
 *
 * @example
 *   const options = simulationOptions({ orders: 3000, store: 'lmdb:/tmp/caps', chaos: true, seed: 7 });
 *   const onRedis = simulationOptions({ store: 'redis', chaos: true }); // a private redis-server for the run
 */
import { parseStoreSpec, redactStoreName, STORE_SPEC_GRAMMAR, type RedisSpec } from '../queue/store-spec';
import { DEFAULT_LEASE_MS } from '../queue/redis/writer-lease';

export interface SimulationOptions {
  /** Vendor clients, one store each (`store-1`, `store-2`, …). */
  vendors: number;
  /** Driver clients (`driver-1`, …). */
  drivers: number;
  /** Orders in all, split evenly over the vendors. */
  orders: number;
  /**
   * The hub's queue store: `memory`, `lmdb:<dir>` (a new or empty directory), `redis` (a private
   * redis-server that the simulator starts for the run and removes after it) or
   * `redis[s]://[[user][:password]@]host:port[/db]` (that Redis, under a key prefix of the run's
   * own, deleted after it).
   */
  store: string;
  /** Inject faults from a schedule seeded by `seed`. */
  chaos: boolean;
  /** Seeds the orders and the chaos schedule: the same seed posts the same orders and plans the same faults. */
  seed: number;
  /** A driver's pause from pickup to in-transit, and again to delivered. */
  driverDelayMs: number;
  /** Orders one vendor may have posted and not yet stored by the hub at once. */
  window: number;
  /**
   * Orders per second, all vendors together; `undefined` posts as fast as the hub takes them. A
   * rate below what the drivers can carry leaves them room, so a package the hub puts back in the
   * queue goes to another driver at once (which some faults need, to show).
   */
  ratePerSecond: number | undefined;
  /** How long the whole run may take before it fails; `undefined` picks one from `orders`. */
  timeoutMs: number | undefined;
  /** The hub's port; `undefined` picks a free one. It stays fixed across hub restarts. */
  port: number | undefined;
  /**
   * Hubs: 1, or several on a Redis store, each a standby on a free port of its own (the first on
   * `port`), one serving at a time (hub-cluster.ts); chaos's `kill-hub` kills the one that serves.
   */
  hubs: number;
  /**
   * With several hubs: run them as shared hubs (`--shared`), every one serving, the clients spread
   * over them; chaos's `kill-hub` kills each in turn.
   */
  shared: boolean;
  /** Keep the run directory (journals and logs) instead of removing it at the end. */
  keep: boolean;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  vendors: 2,
  drivers: 3,
  orders: 1000,
  store: 'memory',
  chaos: false,
  seed: 1,
  driverDelayMs: 2,
  window: 50,
  ratePerSecond: undefined,
  timeoutMs: undefined,
  port: undefined,
  hubs: 1,
  shared: false,
  keep: false,
};

/** `--store redis`: a private redis-server, started for the run. */
export const PRIVATE_REDIS = 'redis';

/** The store a run uses, parsed: `spec` undefined for a private Redis. */
export type SimulationStore = { kind: 'memory' } | { kind: 'lmdb'; dir: string } | { kind: 'redis'; spec: RedisSpec | undefined };

/** The store `store` names, or `undefined` if it names none. */
export function simulationStore(store: string): SimulationStore | undefined {
  if (store === PRIVATE_REDIS) return { kind: 'redis', spec: undefined };
  const spec = parseStoreSpec(store);
  return spec?.kind === 'redis' ? { kind: 'redis', spec } : spec;
}

/** Thrown for options the simulator cannot run with; the message says which and why. */
export class SimulationOptionsError extends Error {
  override readonly name = 'SimulationOptionsError';
}

/** `partial` over the defaults, checked. Throws {@link SimulationOptionsError}. */
export function simulationOptions(partial: Partial<SimulationOptions> = {}): SimulationOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  const options: SimulationOptions = { ...DEFAULT_SIMULATION, ...defined };
  const problems: string[] = [];
  if (options.vendors < 1) problems.push('--vendors must be at least 1');
  if (options.drivers < 1) problems.push('--drivers must be at least 1');
  if (options.orders < 1) problems.push('--orders must be at least 1');
  if (options.window < 1) problems.push('--window must be at least 1');
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) problems.push('--rate must be more than 0');
  if (options.hubs < 1) problems.push('--hubs must be at least 1');
  else if (options.hubs > 1 && simulationStore(options.store)?.kind !== 'redis') problems.push(`--hubs ${options.hubs} needs a Redis store, which the hubs share: --store ${PRIVATE_REDIS} or redis://host:port`);
  if (options.shared && simulationStore(options.store)?.kind !== 'redis') problems.push(`--shared needs a Redis store, which the hubs share: --store ${PRIVATE_REDIS} or redis://host:port`);
  if (!simulationStore(options.store)) problems.push(`--store must be ${STORE_SPEC_GRAMMAR}, or ${PRIVATE_REDIS} (a private redis-server), not "${redactStoreName(options.store)}"`);
  if (problems.length) throw new SimulationOptionsError(problems.join('; '));
  return options;
}

/** Whether the store survives a hub restart (lmdb, Redis), so that chaos may kill the hub. */
export function isDurable(store: string): boolean {
  const kind = simulationStore(store)?.kind;
  return kind === 'lmdb' || kind === 'redis';
}

/** Whether the simulator starts the store's redis-server itself, so that chaos may kill that too. */
export function ownsRedis(store: string): boolean {
  return store === PRIVATE_REDIS;
}

/**
 * How long a hub restarted after a SIGKILL may have to wait before it can open its store: on
 * Redis, the writer lease the killed hub could not give up has to run out (up to its full
 * length, 10 s, which the simulator sets for its hubs: hub-process.ts; docs/scaling.md). Other
 * stores open at once.
 */
export function restartWaitMs(store: string): number {
  return simulationStore(store)?.kind === 'redis' ? DEFAULT_LEASE_MS : 0;
}

/**
 * The overall time limit: `timeoutMs` if given, else a minute plus 20 ms an order, which leaves a
 * slow two-core machine with chaos several times what a run needs, plus each planned hub kill's
 * {@link restartWaitMs}.
 */
export function timeLimitMs(options: SimulationOptions, hubKills = 0): number {
  return options.timeoutMs ?? 60_000 + 20 * options.orders + hubKills * restartWaitMs(options.store);
}
