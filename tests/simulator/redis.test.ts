/**
 * The simulator on Redis: `--store redis` (a private redis-server that chaos SIGKILLs and restarts
 * besides killing the hub) and `--store redis://…` (a given Redis, of which the run uses and then
 * deletes a prefix of its own, and touches nothing else). Each run is `npm run simulate` as a real
 * child process, judged by its own `--json` verdict, taken from the clients' journals.
 */
import { planChaos } from '../../src/simulator/chaos';
import { ownsRedis, simulationOptions, timeLimitMs } from '../../src/simulator/options';
import { countKeys, deleteKeys, newRunPrefix } from '../../src/simulator/redis-prefix';
import { RedisServer } from '../helpers/redis-server';
import { expectInvariants, SimulatorRuns } from '../helpers/simulator-run';

// No wall-clock limit of its own (the largest delay a timer takes): each run bounds itself with
// `--timeout` and then reports why it failed.
jest.setTimeout(2 ** 31 - 1);

describe('chaos plan on Redis', () => {
  it('kills the Redis only when the simulator started it', () => {
    expect(ownsRedis('redis')).toBe(true);
    expect(ownsRedis('redis://127.0.0.1:6379')).toBe(false);
    for (let seed = 1; seed <= 20; seed++) {
      const own = planChaos({ seed, orders: 1000, workers: 4, durable: true, ownsRedis: true }).map((f) => f.kind);
      expect(own).toContain('kill-redis');
      expect(own).toContain('kill-hub');
      expect(planChaos({ seed, orders: 1000, workers: 4, durable: true, ownsRedis: false }).map((f) => f.kind)).not.toContain('kill-redis');
    }
  });

  it('gives each planned hub kill on Redis the writer lease a killed hub leaves (10 s) in the time limit', () => {
    const base = timeLimitMs(simulationOptions({ orders: 1000, store: 'memory' }));
    expect(timeLimitMs(simulationOptions({ orders: 1000, store: 'redis' }), 2)).toBe(base + 20_000);
    expect(timeLimitMs(simulationOptions({ orders: 1000, store: 'redis://10.0.0.5:6379/2' }), 1)).toBe(base + 10_000);
    expect(timeLimitMs(simulationOptions({ orders: 1000, store: 'lmdb:/tmp/x' }), 2)).toBe(base);
  });

  it('takes redis and redis:// stores, and refuses what is neither', () => {
    expect(simulationOptions({ store: 'redis' }).store).toBe('redis');
    expect(() => simulationOptions({ hubs: 2 })).toThrow('--hubs 2 needs a Redis store, which the hubs share: --store redis or redis://host:port');
    expect(simulationOptions({ hubs: 3, store: 'redis' }).hubs).toBe(3);
    expect(() => simulationOptions({ store: 'redis:' })).toThrow('--store must be memory, lmdb:<dir> or redis[s]://[[user][:password]@]host:port[/db], or redis (a private redis-server), not "redis:"');
  });
});

describe('a run prefix in a given Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(() => redis.cleanup());

  it('counts and deletes the keys under the prefix only, a glob character in it taken literally', async () => {
    const prefix = newRunPrefix();
    expect(prefix).toMatch(/^caps-sim-[0-9a-z]+-[0-9a-f]{8}:$/);
    await redis.run('SET', `${prefix}seq`, 1);
    await redis.run('ZADD', `${prefix}live:driver`, 1, 'a');
    await redis.run('SET', 'caps:seq', 7);
    await redis.run('SET', 'odd*:seq', 1);
    await redis.run('SET', 'oddX:seq', 1);
    expect(await countKeys(redis.spec, prefix)).toBe(2);
    expect(await deleteKeys(redis.spec, prefix)).toBe(2);
    expect(await countKeys(redis.spec, prefix)).toBe(0);
    expect(await deleteKeys(redis.spec, 'odd*:')).toBe(1);
    expect(await redis.run('GET', 'oddX:seq')).toBe('1');
    expect(await redis.run('GET', 'caps:seq')).toBe('7');
    await redis.run('DEL', 'caps:seq', 'oddX:seq');
  });

  it('names the Redis it cannot reach', async () => {
    await expect(countKeys({ kind: 'redis', host: '127.0.0.1', port: 1, db: 0 }, 'caps-sim-x:')).rejects.toThrow(/^Redis at redis:\/\/127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
  });
});

describe('npm run simulate on Redis', () => {
  const runs = new SimulatorRuns();
  afterEach(() => runs.cleanup());

  it('delivers and thanks every order exactly once while chaos kills the hub and the private redis-server', async () => {
    const orders = 800;
    const { report: r, run, context } = await runs.report(['--orders', String(orders), '--store', 'redis', '--chaos', '--seed', '5', '--timeout', '300']);
    expectInvariants(r, context, orders);
    expect({ byKind: r.faultsByKind, context }).toMatchObject({ byKind: { 'kill-redis': 1, 'kill-hub': 1, 'kill-client': 1, drop: 1, flap: 1 } });
    expect(r.settings).toMatchObject({ store: 'redis', chaos: true, redisPrefix: expect.stringMatching(/^caps-sim-/) });
    // The restarted hub came back: after the killed one's writer lease, at most its 10 s, ran out.
    expect(r.faultsLongestMs['kill-hub']).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  });

  it('delivers and thanks every order exactly once with two hubs, one serving, while chaos kills the serving one', async () => {
    const orders = 600;
    const { report: r, run, context } = await runs.report(['--orders', String(orders), '--hubs', '2', '--store', 'redis', '--chaos', '--seed', '3', '--timeout', '300']);
    expectInvariants(r, context, orders);
    expect({ settings: r.settings, context }).toMatchObject({ settings: { hubs: 2, store: 'redis', chaos: true } });
    const kills = r.faultsByKind['kill-hub'] as number;
    expect(kills).toBeGreaterThan(0);
    // A hub served at the start and again after each kill: a standby took over, or the killed one came back as one.
    expect(r.servedBy).toHaveLength(kills + 1);
    for (const hub of r.servedBy) expect(hub).toMatch(/^hub-[12]$/);
    expect(run.code).toBe(0);
  });

  it('delivers and thanks every order exactly once with three shared hubs, the clients spread over them, while chaos kills them in turn', async () => {
    const orders = 600;
    const { report: r, run, context } = await runs.report(['--orders', String(orders), '--hubs', '3', '--shared', '--store', 'redis', '--chaos', '--seed', '2', '--timeout', '300']);
    expectInvariants(r, context, orders);
    expect({ settings: r.settings, context }).toMatchObject({ settings: { hubs: 3, shared: true, store: 'redis', chaos: true } });
    expect(r.faultsByKind['kill-hub']).toBeGreaterThan(0);
    // Every hub serves: none took over from another.
    expect(r.servedBy).toBeUndefined();
    expect(run.code).toBe(0);
  });

  describe('on a given Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => (redis = await RedisServer.start()));
    afterAll(() => redis.cleanup());

    it("runs under a prefix of its own, touching nothing else, and deletes the run's keys afterwards", async () => {
      // Another CAPS on the default prefix, whose writer lease never ends: a hub that used that prefix could not start.
      await redis.run('SET', 'caps:writer', 'pid 1 on elsewhere (started 2026-01-01T00:00:00.000Z) #another-hub');
      await redis.run('ZADD', 'caps:live:driver', 1, 'their-order');
      await redis.run('SET', 'unrelated', 'kept');
      const orders = 200;
      const { report: r, run, context } = await runs.report(['--orders', String(orders), '--store', redis.url]);
      expectInvariants(r, context, orders);
      expect(r.settings.redisPrefix).toMatch(/^caps-sim-/);
      expect(r.leftBehind).toBeUndefined();
      expect(await redis.run('KEYS', '*')).toEqual(expect.arrayContaining(['caps:writer', 'caps:live:driver', 'unrelated']));
      expect(await redis.run('DBSIZE')).toBe(3);
      expect(await redis.run('ZRANGE', 'caps:live:driver', 0, -1)).toEqual(['their-order']);
      expect(await redis.run('GET', 'unrelated')).toBe('kept');
      expect(run.code).toBe(0);
    });
  });
});
