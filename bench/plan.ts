/**
 * How much each scenario does: the full plan (a few minutes on 2 cores) and the `--quick` one
 * (under a minute, for smoke runs and the test). Every count lives here.
 */

export interface BenchPlan {
  quick: boolean;
  /** Generator processes that make load (throughput, latency, backlog). */
  loadGenerators: number;
  /** Generator processes in all; the idle-connection scenario spreads its sockets over every one. */
  poolSize: number;
  /**
   * Per load generator. `windowPerVendor` is the closed loop's concurrency: the orders each vendor
   * keeps under way. It must be large enough to saturate the server, or the figure measures
   * latency rather than throughput (docs/benchmarks.md has the sweep: plain and memory level off
   * by 32; lmdb, whose orders each wait for three commits, needs the most under way). It stays
   * below the hub's PREFETCH, so that prefetch never limits the figure.
   */
  pipeline: { vendors: number; drivers: number; windowPerVendor: number };
  /** `rounds` turns per system; each system's best round counts. */
  throughput: { rounds: number; warmupMs: number; durationMs: number; settleTimeoutMs: number };
  /** Offered loads in messages per second (a pickup and its delivery notice are two messages). */
  latency: { loads: number[]; warmupMs: number; durationMs: number; settleTimeoutMs: number };
  /** `rounds` drains of `messages` each (refilled in between); the best counts. */
  backlog: { messages: number; fillWindow: number; drainTimeoutMs: number; rounds: number };
  /** Idle clients connected at each step, cumulative. */
  connections: { levels: number[]; concurrencyPerGenerator: number };
}

const FULL: BenchPlan = {
  quick: false,
  loadGenerators: 2,
  poolSize: 4,
  pipeline: { vendors: 4, drivers: 4, windowPerVendor: 64 },
  throughput: { rounds: 3, warmupMs: 1_000, durationMs: 3_000, settleTimeoutMs: 30_000 },
  latency: { loads: [2_000, 10_000], warmupMs: 1_000, durationMs: 5_000, settleTimeoutMs: 180_000 },
  backlog: { messages: 100_000, fillWindow: 256, drainTimeoutMs: 300_000, rounds: 3 },
  connections: { levels: [1_000, 5_000, 10_000], concurrencyPerGenerator: 50 },
};

const QUICK: BenchPlan = {
  ...FULL,
  quick: true,
  throughput: { rounds: 1, warmupMs: 250, durationMs: 750, settleTimeoutMs: 30_000 },
  latency: { ...FULL.latency, warmupMs: 200, durationMs: 600 },
  backlog: { ...FULL.backlog, messages: 4_000, rounds: 2 },
  connections: { levels: [200, 500, 800], concurrencyPerGenerator: 50 },
};

/** The plan for a run; `--quick` shrinks every count and duration. */
export function planFor(options: { quick: boolean }): BenchPlan {
  return options.quick ? QUICK : FULL;
}
