/**
 * One simulation run, start to verdict.
 *
 * 1. Makes the store ready (run-store.ts: a private redis-server with `--store redis`), starts a
 *    hub (hub-process.ts) on a fixed port, and the vendor and driver workers (roster.ts,
 *    worker-process.ts), every client with a journal in a fresh run directory.
 * 2. Follows the workers' progress reports (IPC, counted from the journals) until the vendors have
 *    thanked for every order; with `chaos`, injects the planned faults as the run reaches them.
 * 3. Lets the hub's queues drain, reads its counters, stops every process cleanly, and removes
 *    what the store left (the private Redis, or the run's keys in a given one).
 * 4. Judges the invariants from the journals (judge.ts) and measures the run (timings.ts).
 *
 * A timeout, a crash or a fault that cannot be carried out still ends in a report (its `error` set,
 * `ok` false), judged from whatever the journals hold, so a failed run says which orders it lost.
 * Every child is stopped in all cases; an aborted run (`signal`, the CLI's Ctrl-C) rejects with
 * the signal's reason once they are.
 *
 * @example
 *   const report = await simulate(simulationOptions({ orders: 3000, store: 'lmdb:/tmp/caps', chaos: true }));
 *   process.exitCode = report.ok ? 0 : 1;
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { ChaosMonkey, planChaos } from './chaos';
import { freePort } from '../cli/free-port';
import { redactStoreName } from '../queue/store-spec';
import { HubCluster } from './hub-cluster';
import { HubProcess, sumOf, type MetricSample, type SimulatedHub } from './hub-process';
import { judge } from './judge';
import { readJournals } from './journals';
import type { ClientProgress } from './messages';
import { isDurable, ownsRedis, restartWaitMs, timeLimitMs, type SimulationOptions } from './options';
import type { ProgressState } from './progress';
import type { SimulationReport } from './report';
import { clientsOf, roster } from './roster';
import { RunStore } from './run-store';
import { timings } from './timings';
import { WorkerProcess } from './worker-process';

export interface RunHooks {
  /** Called with the run's totals each time a worker reports progress. */
  onProgress?: (state: ProgressState) => void;
  /** Aborts the run: every child is killed and `simulate` rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** How long the hub's queues may take to drain once every order is thanked. */
const SETTLE_MS = 10_000;

/** Runs one simulation; see the module comment. */
export async function simulate(options: SimulationOptions, hooks: RunHooks = {}): Promise<SimulationReport> {
  const started = Date.now();
  const port = options.port ?? (await freePort());
  const runDir = mkdtempSync(join(tmpdir(), 'caps-sim-'));
  let store: RunStore;
  try {
    store = await RunStore.prepare(options.store, runDir);
  } catch (err) {
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  const storeWaitMs = restartWaitMs(options.store);
  const hub: SimulatedHub =
    options.hubs === 1
      ? new HubProcess({ port, storeEnv: store.hubEnv, storeWaitMs, logFile: join(runDir, 'hub.log') })
      : new HubCluster({ ports: [port, ...(await Promise.all(Array.from({ length: options.hubs - 1 }, () => freePort())))], storeEnv: store.hubEnv, storeWaitMs, logDir: runDir, shared: options.shared });
  const specs = roster(options, runDir, hub.urls, options.shared);
  const workers = specs.map((spec) => new WorkerProcess(spec, runDir));
  const redeliveries = new RedeliveryTally();
  const plan = options.chaos
    ? planChaos({ seed: options.seed, orders: options.orders, workers: workers.length, durable: isDurable(options.store), ownsRedis: ownsRedis(options.store) })
    : [];
  const hubKills = plan.filter((fault) => fault.kind === 'kill-hub').length;
  const limitMs = timeLimitMs(options, hubKills);
  const monkey = new ChaosMonkey(plan, { workers, hub, ...(store.redis ? { redis: store.redis } : {}), beforeHubKill: () => redeliveries.bank(hub) });

  // Whatever ends the run first: every order thanked, a failure, the time limit, or an abort.
  let finish!: (outcome: { error?: string }) => void;
  let abort!: (reason: unknown) => void;
  const ended = new Promise<{ error?: string }>((resolve, reject) => {
    finish = resolve;
    abort = reject;
  });
  const fail = (error: Error | string) => finish({ error: typeof error === 'string' ? error : error.message });
  const onAbort = () => abort(hooks.signal?.reason ?? new Error('aborted'));
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => fail(`timed out after ${Math.round(limitMs / 1000)} s`), limitMs);

  const progress = new Map<string, ClientProgress>();
  let workersStartedAt = Date.now();
  const tick = () => {
    const state = totals(progress, options.orders, monkey.total, Date.now() - workersStartedAt);
    hooks.onProgress?.(state);
    if (options.chaos) monkey.advance(state.posted + state.thanked);
    if (state.thanked >= options.orders) finish({});
  };

  try {
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    hub.on('crashed', (exit, log) => fail(`the hub exited unexpectedly (code ${exit.code}, signal ${exit.signal}):\n${log}`));
    monkey.on('failed', fail);
    monkey.on('injected', (fault) => {
      // The timeline of a kept run: SIGKILLed processes leave no line of their own in the logs.
      appendFileSync(join(runDir, 'faults.log'), `${JSON.stringify({ ...fault, time: new Date(fault.startedAt).toISOString() })}\n`);
      tick();
    });
    await Promise.race([hub.start(), ended]);
    for (const worker of workers) {
      worker.on('progress', (clients) => {
        for (const client of clients) progress.set(client.name, client);
        tick();
      });
      worker.on('failed', fail);
    }
    workersStartedAt = Date.now();
    await Promise.race([Promise.all(workers.map((worker) => worker.start())), ended]);
    const outcome = await ended;

    // Let the fault under way finish, so that the hub and every worker are up for the wind-down.
    await monkey.stop();
    const leftInQueues = outcome.error === undefined ? await settle(hub) : await queued(hub).catch(() => NaN);
    const final = hub.running ? await hub.scrape().catch(() => []) : [];
    redeliveries.read(final);
    await Promise.all(workers.map((worker) => worker.stop()));
    await hub.stop();
    const leftBehind = await store.dispose().then(
      () => undefined,
      (err: Error) => `the run's keys (prefix ${store.prefix}) could not be deleted: ${err.message}`,
    );

    const journals = readJournals(clientsOf(specs));
    const verdict = judge(journals, options.orders);
    const report: SimulationReport = {
      ok: verdict.ok && outcome.error === undefined,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      settings: {
        vendors: options.vendors,
        drivers: options.drivers,
        orders: options.orders,
        // The report is printed and may be kept: a password in the store's name is not.
        store: redactStoreName(options.store),
        ...(store.prefix === undefined ? {} : { redisPrefix: store.prefix }),
        chaos: options.chaos,
        seed: options.seed,
        hubs: options.hubs,
        ...(options.shared && { shared: true }),
      },
      verdict,
      timings: timings(journals),
      faults: { total: monkey.total, planned: plan.length, byKind: { ...monkey.injected }, longestMs: { ...monkey.longestMs } },
      redeliveries: { total: redeliveries.total, byReason: redeliveries.byReason(), lowerBound: monkey.injected['kill-hub'] > 0 },
      deadLetters: sumOf(final, 'caps_queue_dead'),
      ...(hub.servedBy && { servedBy: [...hub.servedBy] }),
      leftInQueues,
      elapsedMs: Date.now() - started,
      ...(leftBehind === undefined ? {} : { leftBehind }),
      ...(options.keep ? { runDir } : {}),
    };
    return report;
  } finally {
    clearTimeout(timer);
    hooks.signal?.removeEventListener('abort', onAbort);
    await monkey.stop().catch(() => undefined);
    await Promise.allSettled([...workers.map((worker) => worker.kill()), hub.kill()]);
    // Only once the hub is down; a run that ended normally has done it already.
    await store.dispose().catch(() => undefined);
    if (!options.keep) rmSync(runDir, { recursive: true, force: true });
  }
}

function totals(progress: Map<string, ClientProgress>, orders: number, faults: number, elapsedMs: number): ProgressState {
  const state: ProgressState = { orders, posted: 0, delivered: 0, thanked: 0, faults, elapsedMs };
  for (const { role, counts } of progress.values()) {
    if (role === 'vendor') {
      state.posted += counts.posted ?? 0;
      state.thanked += counts.thanked ?? 0;
    } else state.delivered += counts.delivered ?? 0;
  }
  return state;
}

/** Messages in all of the hub's queues: waiting, in flight or claimed. */
async function queued(hub: SimulatedHub): Promise<number> {
  return sumOf(await hub.scrape(), 'caps_queue_depth');
}

/**
 * Waits until the hub's queues are empty, so that nothing is still on its way (a pickup sent again
 * after a fault, say) when the workers stop: such a message could still make a duplicate effect,
 * and the judge should see it. Resolves with what is left after {@link SETTLE_MS}.
 */
async function settle(hub: SimulatedHub): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const left = await queued(hub).catch(() => NaN);
    if (left === 0 || Date.now() > deadline) return left;
    await pause(100);
  }
}

/**
 * The hub's `caps_redeliveries_total`, by reason, summed over hub restarts: a killed hub's
 * counters die with it, so they are banked just before each kill.
 */
class RedeliveryTally {
  private readonly banked = new Map<string, number>();
  private current = new Map<string, number>();

  /** Records the latest counters of the running hub. */
  read(samples: MetricSample[]): void {
    this.current = new Map();
    for (const s of samples) {
      if (s.name !== 'caps_redeliveries_total') continue;
      const reason = s.labels.reason ?? 'unknown';
      this.current.set(reason, (this.current.get(reason) ?? 0) + s.value);
    }
  }

  /** Reads the hub's counters and banks them: the hub is about to be killed. */
  async bank(hub: SimulatedHub): Promise<void> {
    this.read(await hub.scrape().catch(() => []));
    for (const [reason, n] of this.current) this.banked.set(reason, (this.banked.get(reason) ?? 0) + n);
    this.current = new Map();
  }

  byReason(): Record<string, number> {
    const all = new Map(this.banked);
    for (const [reason, n] of this.current) all.set(reason, (all.get(reason) ?? 0) + n);
    return Object.fromEntries([...all].sort(([a], [b]) => a.localeCompare(b)));
  }

  get total(): number {
    return Object.values(this.byReason()).reduce((a, b) => a + b, 0);
  }
}
