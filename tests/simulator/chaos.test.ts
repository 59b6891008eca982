/**
 * Chaos: the seeded fault plan, and a whole `npm run simulate -- --chaos` run on the LMDB store,
 * spawned as a real child, judged by its own `--json` verdict (which the simulator takes from the
 * clients' journals). Nothing here sleeps or looks at the clock: the test waits for the run's exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultCount, FAULT_KINDS, planChaos } from '../../src/simulator/chaos';
import { expectInvariants, SimulatorRuns } from '../helpers/simulator-run';

describe('chaos plan', () => {
  it('is the same for the same seed, and different for another', () => {
    const options = { seed: 7, orders: 3000, workers: 4, durable: true, ownsRedis: false };
    expect(planChaos(options)).toEqual(planChaos(options));
    expect(planChaos({ ...options, seed: 8 })).not.toEqual(planChaos(options));
  });

  it('plans every kind at least once, in progress order, inside the run', () => {
    const plan = planChaos({ seed: 3, orders: 2500, workers: 4, durable: true, ownsRedis: true });
    expect(plan).toHaveLength(faultCount(2500));
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(plan.map((f) => f.at)).toEqual([...plan.map((f) => f.at)].sort((a, b) => a - b));
    for (const fault of plan) {
      expect(fault.at).toBeGreaterThan(0);
      expect(fault.at).toBeLessThan(2 * 2500);
      expect(fault.worker).toBeGreaterThanOrEqual(0);
      expect(fault.worker).toBeLessThan(4);
    }
  });

  it('never kills the hub of a memory store, which would lose its queues by design', () => {
    for (let seed = 1; seed <= 20; seed++) {
      expect(planChaos({ seed, orders: 3000, workers: 4, durable: false, ownsRedis: false }).map((f) => f.kind)).not.toContain('kill-hub');
    }
  });
});

describe('npm run simulate -- --chaos', () => {
  let dir: string;
  const runs = new SimulatorRuns();

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'caps-chaos-'))));
  afterEach(async () => {
    await runs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'delivers and thanks every order exactly once through client kills, dropped connections and hub restarts',
    async () => {
      const orders = 2500;
      const { report: r, run, context } = await runs.report([
        ...['--orders', String(orders), '--store', `lmdb:${join(dir, 'store')}`, '--chaos', '--seed', '7'],
        // Fails the run, with a report, well before jest would give up on the test.
        ...['--timeout', '200'],
      ]);
      expectInvariants(r, context, orders);
      expect(r.faults).toBeGreaterThan(0);
      expect(r.faultsByKind['kill-hub']).toBeGreaterThanOrEqual(1);
      expect(r.faultsByKind['kill-client'] + r.faultsByKind.drop + r.faultsByKind.flap).toBeGreaterThan(0);
      for (const figure of ['p50Ms', 'p99Ms', 'ordersPerSecond']) expect(typeof r[figure]).toBe('number');
      expect(run.code).toBe(0);
    },
    240_000,
  );

  /*
   * Regression test for a claim lost on a flapping connection: the hub hands a reconnecting driver
   * back its claimed pickups as if they were new (in flight), so a second drop before the driver
   * claims again puts them back in the queue without an owner, and a driver with room takes them
   * while the first is still carrying them: two `delivered` effects. It takes trips that outlast a
   * reconnect (300 ms delays) and drivers with room to spare (6 of them, carrying up to 100 orders/s,
   * fed 60/s), so that the packages go to another driver before theirs is back; hence its own settings.
   */
  it(
    'keeps a claimed package with its driver when the connection flaps while it is being carried',
    async () => {
      const orders = 1200;
      const { report: r, run, context } = await runs.report([
        ...['--orders', String(orders), '--drivers', '6', '--delay', '300', '--rate', '60', '--chaos', '--seed', '4'],
        ...['--timeout', '200'],
      ]);
      expectInvariants(r, context, orders);
      expect(r.faultsByKind.flap).toBeGreaterThan(0);
      expect(r.reassigned).toBe(0);
      expect(run.code).toBe(0);
    },
    240_000,
  );
});
