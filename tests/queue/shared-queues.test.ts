/**
 * The shared-queues contract (src/queue/shared-queues.ts) on the Redis store with `shared`: two
 * stores on one prefix stand for two hubs. Hub processes on it are tested in
 * tests/e2e/shared-hubs.test.ts.
 */
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { Broker } from '../../src/hub/broker';
import type { Consumer } from '../../src/hub/consumer';
import type { Envelope } from '../../src/protocol/envelope';
import { RedisKeys } from '../../src/queue/redis/keys';
import { RedisStore } from '../../src/queue/redis-store';
import type { NewMessage } from '../../src/queue/store';
import { RedisServer } from '../helpers/redis-server';
import { silentLogger } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let redis: RedisServer;
beforeAll(async () => (redis = await RedisServer.start()));
afterAll(() => redis?.cleanup());

let prefix: string;
let fixtures = 0;
const stores: RedisStore[] = [];
beforeEach(() => (prefix = `shared-${++fixtures}:`));
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const SHARED = { maxQueueLength: 3, maxTotalMessages: 4, claimLeaseMs: 60_000 };

/** A hub's store on this test's prefix. */
async function hub(): Promise<RedisStore> {
  const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix, logger: silentLogger, leaseMs: 1_000, shared: SHARED });
  stores.push(store);
  return store;
}

const message = (messageId: string, queueId = 'driver'): NewMessage => ({
  queueId,
  messageId,
  enqueuedAt: 1,
  envelope: { event: 'pickup', messageId, queueId, order: { store: 'acme-widgets', orderId: messageId, customer: 'Ada', address: '1 Way' } } as Envelope,
});
const ids = (taken: { message: { messageId: string } }[]) => taken.map((t) => t.message.messageId);

it('hands each entry to one hub, oldest first', async () => {
  const [a, b] = [await hub(), await hub()];
  for (const id of ['m1', 'm2', 'm3']) await a.enqueue(message(id));
  expect(ids(await a.shared!.take('driver', 2, []))).toEqual(['m1', 'm2']);
  expect(ids(await b.shared!.take('driver', 5, []))).toEqual(['m3']);
  expect(await a.shared!.take('driver', 5, [])).toEqual([]);
});

it('lets only the holding hub claim, and hands a released claim only to a hub that asks for its owner, with its failures', async () => {
  const [a, b] = [await hub(), await hub()];
  await a.enqueue(message('m1'));
  await a.shared!.take('driver', 1, []);
  expect(await b.setOwner({ queueId: 'driver', messageId: 'm1' }, 'driver-1')).toBe(false);
  expect(await a.setOwner({ queueId: 'driver', messageId: 'm1' }, 'driver-1')).toBe(true);
  // Another hub cannot give back what it does not hold.
  expect(await b.shared!.release({ queueId: 'driver', messageId: 'm1' }, { failures: 0 })).toBe(false);
  expect(await a.shared!.release({ queueId: 'driver', messageId: 'm1' }, { failures: 1, claimLeftMs: 60_000 })).toBe(true);
  expect(await b.shared!.take('driver', 5, ['driver-2'])).toEqual([]);
  const [taken] = await b.shared!.take('driver', 0, ['driver-1']);
  expect(taken).toMatchObject({ message: { messageId: 'm1', owner: 'driver-1' }, failures: 1 });
  // Released with its claim cleared, it is anyone's again.
  expect(await b.shared!.release({ queueId: 'driver', messageId: 'm1' }, { failures: 1 })).toBe(true);
  expect(await a.shared!.take('driver', 1, [])).toMatchObject([{ message: { messageId: 'm1' } }]);
});

it('gives back the entries of a hub that stopped beating, and tells the hubs', async () => {
  const a = await hub();
  await a.enqueue(message('m1'));
  // A hub that took m1 and died: its beat is long past. (What take.lua does, by hand.)
  const keys = new RedisKeys(prefix);
  await redis.run('ZREM', keys.ready('driver'), 'm1');
  await redis.run('HSET', keys.held('driver'), 'm1', 'ghost');
  await redis.run('SADD', keys.holding('ghost'), JSON.stringify(['driver', 'm1']));
  await redis.run('ZADD', keys.holders, 1, 'ghost');
  expect(await a.shared!.take('driver', 5, [])).toEqual([]);
  const told = new Promise<string>((resolve) => a.shared!.onAvailable(resolve));
  expect(await told).toBe('driver');
  expect(ids(await a.shared!.take('driver', 5, []))).toEqual(['m1']);
  expect(await redis.run('EXISTS', keys.holding('ghost'))).toBe(0);
});

it('gives back, on reconciling, what the store has a hub holding that the hub does not know of, claims keeping their owner', async () => {
  const [a, b] = [await hub(), await hub()];
  for (const id of ['m1', 'm2', 'm3']) await a.enqueue(message(id));
  // a takes all three, claims m3, and then (say) loses the answer to a take of m1 and m2: it knows only m3.
  await a.shared!.take('driver', 3, []);
  expect(await a.setOwner({ queueId: 'driver', messageId: 'm3' }, 'driver-1')).toBe(true);
  const told = new Promise<string>((resolve) => b.shared!.onAvailable(resolve));
  expect(await a.shared!.reconcile([{ queueId: 'driver', messageId: 'm3' }])).toBe(2);
  expect(await told).toBe('driver');
  expect(ids(await b.shared!.take('driver', 5, ['driver-1']))).toEqual(['m1', 'm2']);
  // Knowing nothing, it gives back m3 too, still driver-1's.
  expect(await a.shared!.reconcile([])).toBe(1);
  expect(await b.shared!.take('driver', 5, [])).toEqual([]);
  expect(await b.shared!.take('driver', 0, ['driver-1'])).toMatchObject([{ message: { messageId: 'm3', owner: 'driver-1' } }]);
  expect(await a.shared!.reconcile([])).toBe(0);
});

it('gives back all a hub holds when it closes', async () => {
  const [a, b] = [await hub(), await hub()];
  await a.enqueue(message('m1'));
  await a.shared!.take('driver', 5, []);
  await a.close();
  expect(ids(await b.shared!.take('driver', 5, []))).toEqual(['m1']);
});

it('keeps the length limits across hubs, refusing rather than dropping; a notice that completes a pickup is not refused for the total', async () => {
  const [a, b] = [await hub(), await hub()];
  for (const id of ['m1', 'm2', 'm3']) expect(await a.enqueue(message(id))).toMatchObject({ status: 'stored' });
  expect(await b.enqueue(message('m4'))).toEqual({ status: 'full', limit: 'queue' });
  expect(await b.enqueue(message('m1'))).toMatchObject({ status: 'duplicate' });
  expect(await b.enqueue(message('n1', 'acme-widgets'))).toMatchObject({ status: 'stored' });
  expect(await b.enqueue(message('n2', 'acme-widgets'))).toEqual({ status: 'full', limit: 'hub' });
  // Refused, it changed nothing: m1 is still there.
  expect(await b.enqueue(message('n2', 'acme-widgets'), { completes: { queueId: 'driver', messageId: 'm1' } })).toMatchObject({ status: 'stored' });
  expect((await a.list('driver')).map((m) => m.messageId)).toEqual(['m2', 'm3']);
});

/** A store of a hub that writes alone, on this test's prefix. */
async function alone(): Promise<RedisStore> {
  const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix, logger: silentLogger, leaseMs: 1_000 });
  stores.push(store);
  return store;
}

it('writes nothing while a hub that writes alone holds the prefix', async () => {
  const writer = await alone();
  const shared = await hub();
  await expect(shared.enqueue(message('m1'))).rejects.toThrow(/a hub that writes alone \(hub pid \d+ on .*\) holds the writer lease of this prefix: shared hubs write nothing while it runs/);
  await writer.close();
  expect(await shared.enqueue(message('m1'))).toMatchObject({ status: 'stored' });
});

it('refuses a hub that writes alone while a shared hub beats on the prefix, and lets it start once that hub has left', async () => {
  const shared = await hub();
  await expect(alone()).rejects.toThrow(/shared hubs \(--shared\) serve .* prefix "shared-\d+:", hub pid \d+ on .* among them: .* start this hub with --shared too/);
  await shared.close();
  expect((await alone()).kind).toBe('redis');
});

describe('a broker on a shared store', () => {
  const brokers: Broker[] = [];
  afterEach(() => {
    for (const broker of brokers.splice(0)) broker.close();
    jest.useRealTimers();
  });

  it('dead-letters a pickup past its TTL when it takes it, rather than send it', async () => {
    // Only the date is faked: the Redis client's timers run as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    const policy = { ...DEFAULT_HUB_CONFIG.delivery, messageTtlMs: 1_000 };
    const [a, b] = [await hub(), await hub()];
    const poster = await Broker.open(a, policy, { logger: silentLogger });
    const taker = await Broker.open(b, policy, { logger: silentLogger });
    brokers.push(poster, taker);
    expect(await poster.publish(message('old').envelope, 'driver')).toEqual({ status: 'stored' });
    jest.setSystemTime(Date.now() + 5_000);
    expect(await poster.publish(message('new').envelope, 'driver')).toEqual({ status: 'stored' });
    const sent: string[] = [];
    const driver: Consumer = { id: 'driver-1', queueId: 'driver', prefetch: 10, deliver: (envelope) => sent.push(envelope.messageId) };
    const dead = waitFor<[{ messageId: string }, string]>(taker, 'dead');
    const sentNew = waitFor(taker, 'sent');
    taker.attach(driver);
    const [expired, reason] = await dead;
    await sentNew;
    expect([expired.messageId, reason]).toEqual(['old', 'expired']);
    expect(sent).toEqual(['new']);
    expect((await b.deadLetters('driver')).map((d) => [d.messageId, d.reason])).toEqual([['old', 'expired']]);
  });
});
