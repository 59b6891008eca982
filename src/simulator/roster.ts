/**
 * Who takes part in a run, and in which worker process each client lives.
 *
 * Every client has a stable identity (a vendor's store and clientId, a driver's name) and a journal
 * file of its own in the run directory. Both stay the same when its worker is killed and started
 * again, which is what lets a restarted client resume: the hub hands a driver back its claimed
 * pickups, a vendor resends what the hub never confirmed, and the journals say what was done.
 *
 * Clients share a worker process in small groups, so that killing a worker kills a few clients at
 * once, as a crashed machine would, without starting one Node process per client.
 */
import { join } from 'node:path';
import { spreadOver } from '../client/spread-hubs';

/** A vendor: posts `count` orders for `store`, seeded by `seed`, and thanks for each delivery. */
export interface VendorSpec {
  role: 'vendor';
  /** The client's name in reports: its store. */
  name: string;
  store: string;
  clientId: string;
  /** Its FileJournal. */
  journal: string;
  /** Orders it posts in all, across restarts. */
  count: number;
  /** Seeds its order factory; each vendor has its own, so order ids never collide. */
  seed: number;
}

/** A driver: takes pickups under its `name`, its identity at the hub. */
export interface DriverSpec {
  role: 'driver';
  name: string;
  journal: string;
}

export type ClientSpec = VendorSpec | DriverSpec;

/** One worker process and the clients it runs. Passed to the worker as its only argument (JSON). */
export interface WorkerSpec {
  /** e.g. `vendors-1`, `drivers-2`; also names its log file. */
  id: string;
  /** Every hub's address: a client moves to the next one when it loses one (client/hub-link.ts). */
  hubUrls: string[];
  clients: ClientSpec[];
  driverDelayMs: number;
  /** Orders a vendor may have unconfirmed at once. */
  window: number;
  /** The pause between two orders of one vendor; 0 posts as fast as the window allows. */
  postIntervalMs: number;
}

export interface RosterOptions {
  vendors: number;
  drivers: number;
  orders: number;
  seed: number;
  driverDelayMs: number;
  window: number;
  /** Orders per second, all vendors together; `undefined` for no limit. */
  ratePerSecond: number | undefined;
}

/** At most this many worker processes per role: enough that a kill takes out part of a role, few enough for two cores. */
export const MAX_WORKERS_PER_ROLE = 2;

/**
 * The workers of a run: vendors split over up to two workers, drivers over up to two, orders split
 * as evenly as they go (the first vendors take one more when `orders` does not divide).
 */
export function roster(options: RosterOptions, runDir: string, hubUrls: string[], spread = false): WorkerSpec[] {
  const vendors: ClientSpec[] = Array.from({ length: options.vendors }, (_, i): VendorSpec => {
    const store = `store-${i + 1}`;
    const share = Math.floor(options.orders / options.vendors) + (i < options.orders % options.vendors ? 1 : 0);
    return {
      role: 'vendor',
      name: store,
      store,
      clientId: `vendor:${store}`,
      journal: join(runDir, `${store}.journal`),
      count: share,
      seed: options.seed * 1000 + i,
    };
  });
  const drivers: ClientSpec[] = Array.from({ length: options.drivers }, (_, i): DriverSpec => {
    const name = `driver-${i + 1}`;
    return { role: 'driver', name, journal: join(runDir, `${name}.journal`) };
  });
  const postIntervalMs = options.ratePerSecond === undefined ? 0 : (1000 * options.vendors) / options.ratePerSecond;
  const common = { hubUrls, driverDelayMs: options.driverDelayMs, window: options.window, postIntervalMs };
  const workers = [
    ...groups(vendors, MAX_WORKERS_PER_ROLE).map((clients, i) => ({ id: `vendors-${i + 1}`, clients, ...common })),
    ...groups(drivers, MAX_WORKERS_PER_ROLE).map((clients, i) => ({ id: `drivers-${i + 1}`, clients, ...common })),
  ];
  // Shared hubs all serve: each worker starts on the next hub, so that orders cross hubs.
  return spread ? workers.map((worker, i) => ({ ...worker, hubUrls: spreadOver(hubUrls, i) })) : workers;
}

/** Every client of a roster, in order. */
export function clientsOf(workers: WorkerSpec[]): ClientSpec[] {
  return workers.flatMap((worker) => worker.clients);
}

/** Splits `items` into at most `max` groups of nearly equal size, keeping their order. */
function groups<T>(items: T[], max: number): T[][] {
  const count = Math.min(max, items.length);
  return Array.from({ length: count }, (_, g) => items.filter((_, i) => i % count === g));
}
