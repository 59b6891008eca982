/**
 * Redis SIGKILLed and restarted (same port, same directory, so it reloads its append-only file)
 * under a Redis store, and under a running hub: calls fail at once while it is gone, the hub
 * answers `unavailable` and says so in /healthz, everything acknowledged before the kill is
 * there afterwards, and both take calls again without being restarted.
 */
import type { CapsClientSocket } from '../../src/client/connect';
import { StoreUnavailableError } from '../../src/queue/redis/errors';
import { RedisStore } from '../../src/queue/redis-store';
import { rawVendor } from '../helpers/raw-clients';
import { pickup } from '../helpers/redis-hubs';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { RedisServer } from '../helpers/redis-server';
import { message } from './store-contract';

let t: TestContext;
let redis: RedisServer;
beforeEach(async () => {
  t = await setup();
  redis = await RedisServer.start();
  t.defer(() => redis.cleanup());
});
afterEach(() => t.cleanup());

const LOST = /^lost the connection to Redis at /;
const BACK = /^Redis at .* is back/;

it('a store rejects at once while Redis is gone, keeps what it acknowledged, and recovers by itself', async () => {
  const log = new CapturingLogger();
  const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix: 'caps:', logger: log.logger });
  t.defer(() => store.close());
  const ids = Array.from({ length: 300 }, (_, i) => `m${i}`);
  await Promise.all(ids.map((id) => store.enqueue(message('driver', id))));
  await Promise.all(ids.slice(0, 100).map((messageId) => store.ack({ queueId: 'driver', messageId })));
  await store.setOwner({ queueId: 'driver', messageId: 'm100' }, 'driver-1');

  await redis.kill();
  // Nothing waits for Redis to come back: were it queued, this would hang, as Redis is still down.
  await expect(store.enqueue(message('driver', 'while-down'))).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(store.list('driver')).rejects.toBeInstanceOf(StoreUnavailableError);
  await log.line(LOST);
  expect(store.health()).toEqual({ up: false, reason: expect.stringMatching(/^Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/) });

  await redis.restart();
  await log.line(BACK);
  expect(store.health()).toEqual({ up: true });
  const listed = await store.list('driver');
  expect(listed.map((m) => m.messageId)).toEqual(ids.slice(100));
  expect(listed[0]).toMatchObject({ messageId: 'm100', owner: 'driver-1' });
  // Acknowledged keys are still duplicates, and the store writes again.
  expect(await store.enqueue(message('driver', 'm0'))).toEqual({ status: 'duplicate' });
  expect((await store.enqueue(message('driver', 'while-down'))).status).toBe('stored');
});

describe('a hub on Redis', () => {
  type Answer = { ok: boolean; error?: { code: string } };
  const post = (vendor: CapsClientSocket, id: string) => vendor.timeout(10_000).emitWithAck('pickup', pickup(id)) as Promise<Answer>;
  const health = async (url: string) => {
    const response = await fetch(`${url}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers unavailable while Redis is gone, loses nothing it acknowledged, and takes pickups again once Redis is back', async () => {
    const log = new CapturingLogger();
    const hub = await t.hub({ store: redis.url }, log.logger);
    const vendor = rawVendor(t, hub, 'acme-widgets');
    expect(await health(hub.url)).toEqual({ status: 200, body: { status: 'ok', hub: hub.id, store: 'redis', clients: expect.any(Number) } });

    // Pickups keep coming, four at a time, while Redis is killed; each lane stops at its first refusal.
    const acknowledged: string[] = [];
    const refusals: Answer[] = [];
    let next = 0;
    let killed: Promise<void> | undefined;
    const lane = async () => {
      for (;;) {
        const id = `p${next++}`;
        const answer = await post(vendor, id);
        if (!answer.ok) return void refusals.push(answer);
        acknowledged.push(id);
        if (acknowledged.length === 100) killed = redis.kill();
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    await killed;
    expect(refusals).toEqual(Array(4).fill({ ok: false, error: expect.objectContaining({ code: 'unavailable' }) }));
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);

    await log.line(LOST);
    expect(await post(vendor, 'during')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await health(hub.url)).toEqual({
      status: 503,
      body: { status: 'unavailable', hub: hub.id, store: 'redis', storeDown: expect.stringMatching(/^Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/), clients: expect.any(Number) },
    });

    await redis.restart();
    await log.line(BACK);
    expect(await health(hub.url)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await post(vendor, 'during')).toEqual({ ok: true, messageId: 'during', duplicate: false });
    const stored = new Set((await hub.store.list('driver')).map((m) => m.messageId));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.has('during')).toBe(true);
  });
});
