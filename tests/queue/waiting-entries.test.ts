/**
 * Where live entries wait on Redis (src/queue/redis/lua/waiting.lua): every live entry is in
 * exactly one of held:<q> (a shared hub holds it), ready:<q> (nobody claimed it, scored by its
 * seq) and parked:<q> (claimed, under its owner), whatever the scripts did in whatever order, for
 * shared hubs and for a hub that writes alone; entries written by an earlier CAPS, which kept
 * neither, are filed once by the first shared hub (lua/index.lua).
 */
import fc from 'fast-check';
import type { Envelope } from '../../src/protocol/envelope';
import { RedisKeys } from '../../src/queue/redis/keys';
import { RedisStore } from '../../src/queue/redis-store';
import type { NewMessage } from '../../src/queue/store';
import { RedisServer } from '../helpers/redis-server';
import { silentLogger } from '../helpers/setup';

let redis: RedisServer;
beforeAll(async () => (redis = await RedisServer.start()));
afterAll(() => redis?.cleanup());

let prefix: string;
let fixtures = 0;
const stores = new Set<RedisStore>();
beforeEach(() => (prefix = `waiting-${++fixtures}:`));
afterEach(async () => {
  await Promise.all([...stores].map((store) => store.close()));
  stores.clear();
});

const SHARED = { maxQueueLength: 100, maxTotalMessages: 1_000, claimLeaseMs: 60_000 };
const QUEUES = ['driver', 'acme-widgets'] as const;
const OWNERS = ['d1', 'd2'];

/** A store on this test's prefix: a shared hub's, or with `alone`, a hub's that writes alone. */
async function open(alone = false): Promise<RedisStore> {
  const options = { dedupWindowMs: 60_000, prefix, logger: silentLogger, leaseMs: 60_000 };
  const store = await RedisStore.open(redis.spec, alone ? options : { ...options, shared: SHARED });
  stores.add(store);
  return store;
}

async function close(store: RedisStore): Promise<void> {
  stores.delete(store);
  await store.close();
}

const message = (messageId: string, queueId: string = 'driver'): NewMessage => ({
  queueId,
  messageId,
  enqueuedAt: 1,
  envelope: { event: 'pickup', messageId, queueId, order: { store: 'acme-widgets', orderId: messageId, customer: 'Ada', address: '1 Way' } } as Envelope,
});

/** Pairs of a Redis reply, flat (`[k1, v1, k2, v2, …]`) or not (`[[k1, v1], …]`), as a map. */
function pairs(reply: unknown): Map<string, string> {
  const flat = (reply as (string | string[])[]).flat();
  const map = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, String(flat[i + 1]));
  return map;
}

/** Where each live entry of `queueId` is, by Redis's keys; throws what breaks the rule. */
async function checkWaiting(queueId: string): Promise<void> {
  const keys = new RedisKeys(prefix);
  const live = pairs(await redis.run('ZRANGE', keys.live(queueId), 0, -1, 'WITHSCORES'));
  const ready = pairs(await redis.run('ZRANGE', keys.ready(queueId), 0, -1, 'WITHSCORES'));
  const parked = pairs(await redis.run('HGETALL', keys.parked(queueId)));
  const owners = pairs(await redis.run('HGETALL', keys.owner(queueId)));
  const held = new Set((await redis.run('HKEYS', keys.held(queueId))) as string[]);
  const places = [...live.keys()].map((id) => ({ id, places: [held.has(id) && 'held', ready.has(id) && 'ready', parked.has(id) && 'parked'].filter(Boolean) }));
  expect({ queueId, wrong: places.filter((p) => p.places.length !== 1) }).toEqual({ queueId, wrong: [] });
  const strays = [...held, ...ready.keys(), ...parked.keys()].filter((id) => !live.has(id));
  expect({ queueId, strays }).toEqual({ queueId, strays: [] });
  for (const [id, seq] of ready) expect({ id, seq, owner: owners.get(id) }).toEqual({ id, seq: live.get(id), owner: undefined });
  for (const [id, owner] of parked) expect({ id, owner }).toEqual({ id, owner: owners.get(id) });
}

const id = fc.integer({ min: 0, max: 3 }).map((n) => `m${n}`);
const queue = fc.constantFrom(...QUEUES);
const who = fc.integer({ min: 0, max: 1 });
const owner = fc.option(fc.constantFrom(...OWNERS), { nil: undefined });
/** Which of the entries at hand a step acts on, modulo their number. */
const pick = fc.nat();

/**
 * One thing a hub does to the store. Claims and releases act on what the hub took (so that they
 * do something); acks, dead-lettering and requeues on any entry, held or not, as happens.
 */
const sharedStep = fc.oneof(
  fc.record({ kind: fc.constant('enqueue' as const), hub: who, id, queue }),
  fc.record({ kind: fc.constant('complete' as const), hub: who, id, notice: id }),
  fc.record({ kind: fc.constant('take' as const), hub: who, queue, max: fc.integer({ min: 0, max: 3 }), owners: fc.subarray(OWNERS) }),
  fc.record({ kind: fc.constant('claim' as const), hub: who, pick, owner }),
  fc.record({ kind: fc.constant('release' as const), hub: who, pick, keepClaim: fc.boolean() }),
  fc.record({ kind: fc.constant('ack' as const), hub: who, id, queue }),
  fc.record({ kind: fc.constant('deadLetter' as const), hub: who, id, queue }),
  fc.record({ kind: fc.constant('requeue' as const), hub: who, id, queue }),
  fc.record({ kind: fc.constant('restart' as const), hub: who }),
  // A take whose answer was lost: the hub forgets its last `lose` entries, and reconciles.
  fc.record({ kind: fc.constant('reconcile' as const), hub: who, lose: fc.integer({ min: 0, max: 3 }) }),
);
type SharedStep = typeof sharedStep extends fc.Arbitrary<infer T> ? T : never;

/** A shared hub, and what it took (it may have lost some since, to an ack through the other hub). */
interface TestHub {
  store: RedisStore;
  took: { queueId: string; messageId: string }[];
}

async function run(hubs: TestHub[], step: SharedStep): Promise<void> {
  const hub = hubs[step.hub]!;
  const store = hub.store;
  const held = (n: number) => hub.took[n % hub.took.length];
  switch (step.kind) {
    case 'enqueue':
      await store.enqueue(message(step.id, step.queue));
      return;
    case 'complete':
      // A driver's delivered: the notice queued and the pickup acknowledged, in one step.
      await store.enqueue(message(`n-${step.notice}`, 'acme-widgets'), { completes: { queueId: 'driver', messageId: step.id } });
      return;
    case 'take':
      for (const { message: m } of await store.shared!.take(step.queue, step.max, step.owners)) hub.took.push({ queueId: m.queueId, messageId: m.messageId });
      return;
    case 'claim': {
      const key = held(step.pick);
      if (key) await store.setOwner(key, step.owner);
      return;
    }
    case 'release': {
      const key = held(step.pick);
      if (!key) return;
      hub.took.splice(hub.took.indexOf(key), 1);
      await store.shared!.release(key, { failures: 1, ...(step.keepClaim && { claimLeftMs: 60_000 }) });
      return;
    }
    case 'ack':
      await store.ack({ queueId: step.queue, messageId: step.id });
      return;
    case 'deadLetter':
      await store.deadLetter({ queueId: step.queue, messageId: step.id }, 'test');
      return;
    case 'requeue':
      await store.requeue({ queueId: step.queue, messageId: step.id });
      return;
    case 'reconcile':
      hub.took.splice(Math.max(0, hub.took.length - step.lose));
      await store.shared!.reconcile(hub.took);
      return;
    case 'restart':
      // It gives back all it held as it leaves (lua/beat.lua), and a new hub takes its place.
      await close(store);
      hubs[step.hub] = { store: await open(), took: [] };
  }
}

it('keeps every live entry in exactly one of held, ready and parked, whatever two shared hubs do', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(sharedStep, { minLength: 1, maxLength: 30 }), async (steps) => {
      prefix = `waiting-${++fixtures}:`;
      const hubs: TestHub[] = [
        { store: await open(), took: [] },
        { store: await open(), took: [] },
      ];
      try {
        for (const step of steps) {
          await run(hubs, step);
          for (const q of QUEUES) await checkWaiting(q);
        }
      } finally {
        await Promise.all(hubs.map((hub) => close(hub.store)));
      }
    }),
    { numRuns: 60 },
  );
});

it('keeps them so for a hub that writes alone, and a shared hub that follows it takes every entry: the unclaimed ones, and the claimed ones for their owners', async () => {
  const alone = await open(true);
  for (const n of [1, 2, 3, 4]) await alone.enqueue(message(`m${n}`));
  await alone.setOwner({ queueId: 'driver', messageId: 'm2' }, 'd1');
  await alone.setOwner({ queueId: 'driver', messageId: 'm3' }, 'd1');
  await alone.setOwner({ queueId: 'driver', messageId: 'm3' }, undefined);
  await alone.deadLetter({ queueId: 'driver', messageId: 'm4' }, 'test');
  await alone.requeue({ queueId: 'driver', messageId: 'm4' });
  await alone.ack({ queueId: 'driver', messageId: 'm1' });
  await checkWaiting('driver');
  await close(alone);

  const shared = await open();
  const taken = await shared.shared!.take('driver', 10, ['d1']);
  expect(taken.map((t) => [t.message.messageId, t.message.owner])).toEqual([
    ['m2', 'd1'],
    ['m3', undefined],
    ['m4', undefined],
  ]);
  await checkWaiting('driver');
});

it('files the entries of an earlier CAPS, which kept neither ready nor parked, when the first shared hub joins, and only then', async () => {
  const alone = await open(true);
  for (const n of [1, 2, 3]) await alone.enqueue(message(`m${n}`));
  await alone.setOwner({ queueId: 'driver', messageId: 'm2' }, 'd1');
  await close(alone);
  // What a CAPS from before left: the entries, and nothing saying where they wait.
  const keys = new RedisKeys(prefix);
  await redis.run('DEL', keys.ready('driver'), keys.parked('driver'));

  const first = await open();
  await checkWaiting('driver');
  expect(await redis.run('GET', keys.indexed)).toBe('1');
  expect((await first.shared!.take('driver', 10, ['d1'])).map((t) => t.message.messageId)).toEqual(['m2', 'm1', 'm3']);
  // A second hub joins: what the first holds stays held, not filed again as waiting.
  await open();
  await checkWaiting('driver');
  expect(await redis.run('ZCARD', keys.ready('driver'))).toBe(0);
});

it('clears what a dead shared hub held when a hub that writes alone acknowledges or dead-letters it, so that shared hubs after it neither hand it out nor fail on it', async () => {
  const first = await open();
  for (const n of [1, 2, 3]) await first.enqueue(message(`m${n}`));
  await close(first);
  // A shared hub that took m1 and m2, claimed m2 for d1, and died long ago (what take.lua and
  // claim.lua do, by hand): its beat is too old to keep the hub that writes alone out.
  const keys = new RedisKeys(prefix);
  for (const id of ['m1', 'm2']) {
    await redis.run('ZREM', keys.ready('driver'), id);
    await redis.run('HSET', keys.held('driver'), id, 'ghost');
    await redis.run('SADD', keys.holding('ghost'), JSON.stringify(['driver', id]));
  }
  await redis.run('HSET', keys.owner('driver'), 'm2', 'd1');
  await redis.run('ZADD', keys.claimUntil('driver'), 1, 'm2');
  await redis.run('ZADD', keys.holders, 1, 'ghost');

  const alone = await open(true);
  expect(await alone.ack({ queueId: 'driver', messageId: 'm1' })).toBe(true);
  expect(await alone.deadLetter({ queueId: 'driver', messageId: 'm2' }, 'test')).toBe(true);
  await checkWaiting('driver');
  expect(await redis.run('HLEN', keys.held('driver'))).toBe(0);
  expect(await redis.run('SCARD', keys.holding('ghost'))).toBe(0);
  expect(await redis.run('ZCARD', keys.claimUntil('driver'))).toBe(0);
  await close(alone);

  // A shared hub joins (its first beat gives back what the ghost held: nothing is left), and
  // takes only m3: neither the acknowledged m1 nor the dead letter m2, claimed or not.
  const shared = await open();
  expect((await shared.shared!.take('driver', 10, ['d1'])).map((t) => t.message.messageId)).toEqual(['m3']);
  await checkWaiting('driver');
});
