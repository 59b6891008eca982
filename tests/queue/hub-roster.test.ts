/**
 * The roster of the hubs on a Redis prefix (src/queue/redis/hub-roster.ts): every hub lists every
 * other, with its role; one that stops leaves at once; one that stopped beating (killed) leaves
 * one lease after its last beat; an entry that does not parse is left out. Beats are driven by
 * `refresh`, and a stale beat is written straight into Redis, so no test waits for a clock.
 */
import { HubRoster, type RosterEntry } from '../../src/queue/redis/hub-roster';
import { RedisKeys } from '../../src/queue/redis/keys';
import { RedisServer } from '../helpers/redis-server';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';

/** Long enough that no regular beat comes during a test: every beat here is a `refresh`. */
const LEASE_MS = 600_000;
const keys = new RedisKeys('caps:');
let t: TestContext;
let redis: RedisServer;
beforeEach(async () => {
  t = await setup();
  redis = await RedisServer.start();
  t.defer(() => redis.cleanup());
});
afterEach(() => t.cleanup());

const entry = (id: string, pid: number, role: RosterEntry['role']): RosterEntry => ({ id, role, host: 'box', pid, port: 3000 + pid, startedAt: 1 });
async function join(id: string, pid: number, role: RosterEntry['role']): Promise<HubRoster> {
  const roster = await HubRoster.join(redis.spec, entry(id, pid, role), { prefix: 'caps:', leaseMs: LEASE_MS, logger: new CapturingLogger().logger });
  t.defer(() => roster.close());
  return roster;
}
const summary = (roster: HubRoster) => roster.hubs().map(({ id, role, self }) => ({ id, role, self }));
/** Redis's clock, in ms, as the roster's script reads it. */
const redisNow = async () => {
  const [seconds, micros] = (await redis.run('TIME')) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

it('lists every hub on the prefix, each with its role, and which one is itself', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  const b = await join('hub-b:3000', 2, 'standby');
  await a.refresh();
  expect(summary(a)).toEqual([
    { id: 'hub-a:3000', role: 'active', self: true },
    { id: 'hub-b:3000', role: 'standby', self: false },
  ]);
  expect(summary(b)).toEqual([
    { id: 'hub-a:3000', role: 'active', self: false },
    { id: 'hub-b:3000', role: 'standby', self: true },
  ]);
  expect(a.hubs()[1]).toEqual({ id: 'hub-b:3000', role: 'standby', host: 'box', pid: 2, port: 3002, startedAt: 1, clients: 0, beatAgoMs: expect.any(Number), self: false });
});

it('says at each beat how many clients a hub has, and none once it stands by again', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  const b = await join('hub-b:3000', 2, 'standby');
  let connected = 7;
  a.countClients(() => connected);
  await a.refresh();
  await b.refresh();
  const clients = () => b.hubs().map(({ id, clients }) => [id, clients]);
  expect(clients()).toEqual([['hub-a:3000', 7], ['hub-b:3000', 0]]);
  connected = 2;
  await a.refresh();
  await b.refresh();
  expect(clients()).toEqual([['hub-a:3000', 2], ['hub-b:3000', 0]]);
  a.update({ role: 'standby' });
  await a.refresh();
  await b.refresh();
  expect(clients()).toEqual([['hub-a:3000', 0], ['hub-b:3000', 0]]);
});

it('shows a change of role, and a new id, at the next beat of any hub', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  const b = await join('hub-b:0', 2, 'standby');
  b.update({ role: 'active', id: 'hub-b:4000', port: 4000 });
  await b.refresh();
  await a.refresh();
  expect(summary(a)).toEqual([
    { id: 'hub-a:3000', role: 'active', self: true },
    { id: 'hub-b:4000', role: 'active', self: false },
  ]);
});

it('forgets a hub that stops at once, and one that stopped beating a lease after its last beat', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  const b = await join('hub-b:3000', 2, 'standby');
  // A hub killed a lease and a moment ago: its last beat, and what it said of itself, are still there.
  await redis.run('HSET', keys.hubs, 'box pid 3', JSON.stringify(entry('hub-c:3000', 3, 'standby')));
  await redis.run('ZADD', keys.hubBeats, (await redisNow()) - LEASE_MS - 1, 'box pid 3');
  expect((await a.refresh()).map((hub) => hub.id)).toEqual(['hub-a:3000', 'hub-b:3000']);
  expect(await redis.run('HEXISTS', keys.hubs, 'box pid 3')).toBe(0);

  await b.close();
  expect((await a.refresh()).map((hub) => hub.id)).toEqual(['hub-a:3000']);
  expect(await redis.run('ZRANGE', keys.hubBeats, 0, -1)).toEqual([expect.stringMatching(/^box pid 1 #/)]);
});

it('keeps apart two hubs on machines of one name with one pid (containers), and one leaving leaves the other', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  const b = await join('hub-b:3000', 1, 'standby');
  expect((await a.refresh()).map((hub) => hub.id)).toEqual(['hub-a:3000', 'hub-b:3000']);
  await b.close();
  expect((await a.refresh()).map((hub) => hub.id)).toEqual(['hub-a:3000']);
});

it('lets the roster expire three leases after the last beat of any hub, once nobody is left to prune it', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  await a.refresh();
  for (const key of [keys.hubs, keys.hubBeats]) {
    const ttl = Number(await redis.run('PTTL', key));
    expect(ttl).toBeGreaterThan(2 * LEASE_MS);
    expect(ttl).toBeLessThanOrEqual(3 * LEASE_MS);
  }
});

it('leaves out an entry it cannot read, and lists the rest', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  await redis.run('HSET', keys.hubs, 'box pid 9', '{"id":"from another version"}');
  await redis.run('ZADD', keys.hubBeats, await redisNow(), 'box pid 9');
  await redis.run('HSET', keys.hubs, 'box pid 8', 'not json');
  await redis.run('ZADD', keys.hubBeats, await redisNow(), 'box pid 8');
  expect((await a.refresh()).map((hub) => hub.id)).toEqual(['hub-a:3000']);
});

it('keeps its last reading while Redis is away', async () => {
  const a = await join('hub-a:3000', 1, 'active');
  await join('hub-b:3000', 2, 'standby');
  await a.refresh();
  await redis.kill();
  await expect(a.refresh()).rejects.toThrow();
  expect(summary(a)).toEqual([
    { id: 'hub-a:3000', role: 'active', self: true },
    { id: 'hub-b:3000', role: 'standby', self: false },
  ]);
});
