/**
 * What a simulation run is asked to do, with every default in one literal.
 *
 * The CLI (main.ts) parses flags into a `Partial<SimulationOptions>`; `simulationOptions` merges it
 * over {@link DEFAULT_SIMULATION} once and checks it, so the rest of the simulator works with a fully
 * filled, valid object.
 *
 * @example
 *   const options = simulationOptions({ orders: 3000, store: 'lmdb:/tmp/caps', chaos: true, seed: 7 });
 */
import { parseStoreSpec, STORE_SPEC_GRAMMAR } from '../queue/store-spec';

export interface SimulationOptions {
  /** Vendor clients, one store each (`store-1`, `store-2`, …). */
  vendors: number;
  /** Driver clients (`driver-1`, …). */
  drivers: number;
  /** Orders in all, split evenly over the vendors. */
  orders: number;
  /** The hub's queue store: `memory` or `lmdb:<dir>` (a new or empty directory). */
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
  keep: false,
};

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
  if (!parseStoreSpec(options.store)) problems.push(`--store must be ${STORE_SPEC_GRAMMAR}, not "${options.store}"`);
  if (problems.length) throw new SimulationOptionsError(problems.join('; '));
  return options;
}

/** Whether the store survives a hub restart, so that chaos may kill the hub. */
export function isDurable(store: string): boolean {
  return parseStoreSpec(store)?.kind === 'lmdb';
}

/**
 * The overall time limit: `timeoutMs` if given, else a minute plus 20 ms an order, which leaves a
 * slow two-core machine with chaos several times what a run needs.
 */
export function timeLimitMs(options: SimulationOptions): number {
  return options.timeoutMs ?? 60_000 + 20 * options.orders;
}
