/**
 * Chaos: faults injected into a running simulation, from a schedule planned up front with a seeded
 * PRNG, so that one seed always plans the same faults in the same order.
 *
 * The kinds of fault:
 * - `kill-client`: SIGKILL a worker process (a group of vendors or drivers) and start it again with
 *   the same identities and journals;
 * - `drop`: make a worker's clients lose their connection (the engine is closed under them) so that
 *   Socket.IO reconnects, as after a network blip;
 * - `flap`: the same, and again as soon as the first message arrives on the new connection, as on a
 *   flapping network: it lands between the hub handing a client back what it held (a driver's
 *   claimed pickups, a vendor's notices) and the client's answer;
 * - `kill-hub`: SIGKILL the hub and start it again on the same port and store. Only planned with a
 *   durable store: a memory store loses everything by design. On Redis the new hub waits for the
 *   writer lease the killed one left (up to 10 s) before it starts;
 * - `kill-redis`: SIGKILL the redis-server and start it again on the same port and directory, where
 *   it reloads its append-only file; the hub stays up, answers `unavailable` meanwhile, and
 *   reconnects by itself. Only planned when the simulator started that Redis itself (`--store redis`).
 *
 * Faults are placed on the run's *progress*, not on the clock: fault i fires once the vendors'
 * posted plus thanked orders reach `at` (out of 2 × orders). Early faults land while vendors are
 * still posting, later ones while drivers deliver; a slow machine gets the same faults at the same
 * points of the run, and a stalled run (the hub down) does not pile faults up. Faults run one at a
 * time; a worker that is down is never the target (the next one that is up is taken instead).
 *
 * @example
 *   const plan = planChaos({ seed: 7, orders: 3000, workers: 4, durable: true, ownsRedis: false });
 *   const monkey = new ChaosMonkey(plan, { workers, hub, beforeHubKill: () => scrape() });
 *   monkey.on('failed', fail);
 *   onProgress((units) => monkey.advance(units));
 */
import { EventEmitter } from 'node:events';
import { Faker, en } from '@faker-js/faker';
import type { SimulatedHub } from './hub-process';
import type { WorkerProcess } from './worker-process';

export const FAULT_KINDS = ['kill-client', 'drop', 'flap', 'kill-hub', 'kill-redis'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault. */
export interface PlannedFault {
  /** Progress (posted + thanked orders) at which it fires. */
  at: number;
  kind: FaultKind;
  /** Index of the target worker (ignored for `kill-hub` and `kill-redis`). */
  worker: number;
}

export interface ChaosPlanOptions {
  seed: number;
  orders: number;
  /** How many worker processes there are to target. */
  workers: number;
  /** Whether the hub's store is durable, so that the hub may be killed. */
  durable: boolean;
  /** Whether the simulator started the store's redis-server, so that it may be killed. */
  ownsRedis: boolean;
}

/** About one fault per 200 orders, at least 5 and at most 40. */
export function faultCount(orders: number): number {
  return Math.max(5, Math.min(40, Math.round(orders / 200)));
}

/**
 * The seeded schedule: {@link faultCount} faults at progress points between 4% and 80% of the run
 * (later ones would outlast it), in order. Every kind that applies comes once among the first
 * faults, in a seeded order; the rest are drawn with weights
 * kill-client 2 : drop 1 : flap 1 : kill-hub 1 : kill-redis 1 (kill-hub only with a durable store,
 * kill-redis only with the simulator's own Redis). A plan without kill-redis is the one this seed
 * planned before that kind existed.
 */
export function planChaos(options: ChaosPlanOptions): PlannedFault[] {
  const faker = new Faker({ locale: [en] });
  faker.seed(options.seed);
  const applies = (kind: FaultKind) => (kind === 'kill-hub' ? options.durable : kind === 'kill-redis' ? options.ownsRedis : true);
  const kinds: FaultKind[] = FAULT_KINDS.filter(applies);
  const weighted = kinds.flatMap((kind) => (kind === 'kill-client' ? [kind, kind] : [kind]));
  const count = faultCount(options.orders);
  const total = 2 * options.orders;
  const drawn = Array.from({ length: count - kinds.length }, () => weighted[faker.number.int(weighted.length - 1)]!);
  // One of every kind first, so that none is among the faults a fast run ends before reaching.
  const order = [...faker.helpers.shuffle(kinds), ...drawn];
  const points = Array.from({ length: count }, () => faker.number.int({ min: Math.ceil(total * 0.04), max: Math.floor(total * 0.8) })).sort(
    (a, b) => a - b,
  );
  return order.map((kind, i) => ({ at: points[i]!, kind, worker: faker.number.int(Math.max(0, options.workers - 1)) }));
}

/** A fault as it was injected. */
export interface InjectedFault extends PlannedFault {
  /** The worker it hit (`hub` for kill-hub, `redis` for kill-redis). */
  target: string;
  /** When it started and how long it took (a kill includes the restart). */
  startedAt: number;
  durationMs: number;
}

/** The store's redis-server, when the simulator started it (src/cli/private-redis.ts). */
export interface RedisTarget {
  readonly running: boolean;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface ChaosTargets {
  workers: WorkerProcess[];
  hub: SimulatedHub;
  redis?: RedisTarget;
  /** Runs just before the hub is killed, e.g. to read its counters while it can still answer. */
  beforeHubKill?: () => Promise<void>;
}

export interface ChaosEvents {
  injected: [fault: InjectedFault];
  /** A fault could not be carried out (say, the hub did not come back): the run cannot go on. */
  failed: [error: Error];
}

/** Carries out a plan, one fault at a time, as progress reaches each fault's point. */
export class ChaosMonkey extends EventEmitter<ChaosEvents> {
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number> = { 'kill-client': 0, drop: 0, flap: 0, 'kill-hub': 0, 'kill-redis': 0 };
  /** The longest each kind took, kill and restart included, in ms. */
  readonly longestMs: Partial<Record<FaultKind, number>> = {};
  private next = 0;
  private progress = 0;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly plan: PlannedFault[],
    private readonly targets: ChaosTargets,
  ) {
    super();
  }

  /** Faults injected so far, of every kind. */
  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  /** Faults planned but not (yet) injected. */
  get pending(): number {
    return this.plan.length - this.next;
  }

  /** Tells the monkey how far the run has got; due faults start (one at a time). */
  advance(progress: number): void {
    this.progress = Math.max(this.progress, progress);
    this.pump();
  }

  /** No more faults; resolves once the one under way (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.busy;
  }

  private pump(): void {
    const fault = this.plan[this.next];
    if (this.busy || this.stopped || !fault || fault.at > this.progress) return;
    const target = this.target(fault);
    if (target === undefined) return; // its target is down; a later progress report tries again
    this.next++;
    const startedAt = Date.now();
    this.busy = this.inject(fault, target).then(
      () => {
        this.busy = undefined;
        this.injected[fault.kind]++;
        const durationMs = Date.now() - startedAt;
        this.longestMs[fault.kind] = Math.max(this.longestMs[fault.kind] ?? 0, durationMs);
        this.emit('injected', { ...fault, target, startedAt, durationMs });
        this.pump();
      },
      (err: unknown) => {
        this.busy = undefined;
        this.stopped = true;
        this.emit('failed', err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private async inject(fault: PlannedFault, target: string): Promise<void> {
    if (fault.kind === 'kill-hub') {
      await this.targets.beforeHubKill?.();
      await this.targets.hub.kill();
      await this.targets.hub.start();
      return;
    }
    if (fault.kind === 'kill-redis') {
      await this.targets.redis!.kill();
      await this.targets.redis!.restart();
      return;
    }
    const worker = this.targets.workers.find((w) => w.id === target)!;
    if (fault.kind === 'kill-client') await worker.restart();
    else worker.drop(fault.kind === 'flap');
  }

  /** What `fault` hits, if it is up: the hub, the Redis, or a worker (see `upWorker`). */
  private target(fault: PlannedFault): string | undefined {
    if (fault.kind === 'kill-hub') return this.targets.hub.running ? 'hub' : undefined;
    if (fault.kind === 'kill-redis') return this.targets.redis?.running ? 'redis' : undefined;
    return this.upWorker(fault.worker)?.id;
  }

  /** The planned worker if it is up, else the next one that is. */
  private upWorker(index: number): WorkerProcess | undefined {
    const { workers } = this.targets;
    for (let i = 0; i < workers.length; i++) {
      const worker = workers[(index + i) % workers.length]!;
      if (worker.state === 'up') return worker;
    }
    return undefined;
  }
}
