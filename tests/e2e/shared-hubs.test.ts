/**
 * Shared hubs (`npm run hub -- --shared`): three hub processes serve the queues of one private
 * Redis side by side. Orders cross hubs; de-duplication and length limits hold across them; a
 * claimed package stays its driver's whichever hub the driver is on, and goes to another driver
 * only once its lease has run out; a SIGKILLed hub's packages come back through the others, within
 * the ack timeout; a SIGKILLed and restarted Redis loses nothing acknowledged; every hub shows the
 * whole CAPS's queue depths; a hub that writes alone is refused beside shared hubs.
 *
 * The hubs beat on a 3-second lease (`CAPS_REDIS_LEASE_MS`), so that a dead hub's packages come
 * back within seconds; nothing here waits for a length of time: every step waits for a log line,
 * an event, or a state of Redis.
 */
import { io, type Socket } from 'socket.io-client';
import type { Driver } from '../../src/driver/driver';
import {
  DASHBOARD_NAMESPACE,
  type DashboardSnapshot,
  type DashboardToPageEvents,
  type DashboardUpdate,
  type PageToDashboardEvents,
  type QueueStats,
} from '../../src/protocol/dashboard';
import type { Envelope } from '../../src/protocol/envelope';
import { HUB_KEYS, pickup, RedisHubs, SHORT_LEASE } from '../helpers/redis-hubs';
import { setup, type TestContext } from '../helpers/setup';
import { collect, until, waitFor } from '../helpers/wait-for';

const hubs = new RedisHubs();
let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(async () => {
  await t.cleanup();
  await hubs.cleanup();
});

const LISTENING = /CAPS hub listening on/;

/** Three shared hubs on one Redis, each listening, with `env` on top. */
async function threeHubs(env: NodeJS.ProcessEnv = {}) {
  const started = await Promise.all(['A', 'B', 'C'].map((name) => hubs.hub(`hub ${name}`, { ...SHORT_LEASE, ...env }, ['--shared'])));
  await Promise.all(started.map((hub) => hub.proc.line(LISTENING)));
  return started;
}

/** The ids of the pickups `driver` is sent, from any hub. */
function pickupsSeen(driver: Driver): string[] {
  const seen: string[] = [];
  driver.link.forEachSocket((socket) => socket.on('pickup', (envelope) => seen.push(envelope.messageId)));
  return seen;
}

/**
 * Posts pickup `id` through a vendor on the hub at `vendorUrl`, and has driver-1 on the hub at
 * `driverUrl` claim it once it is sent: the vendor's and the driver's sockets.
 */
async function postAndClaim(vendorUrl: string, driverUrl: string, id: string) {
  const vendor = hubs.connect(vendorUrl, { role: 'vendor', store: 'acme-widgets', clientId: 'poster' });
  const driver = hubs.connect(driverUrl, { role: 'driver', clientId: 'driver-1' });
  const got = waitFor<[Envelope]>(driver, 'pickup');
  await vendor.timeout(10_000).emitWithAck('pickup', pickup(id));
  await got;
  expect(await driver.timeout(10_000).emitWithAck('claim', { messageId: id })).toEqual({ ok: true });
  return { vendor, driver };
}

const tally = (ids: string[]) => ids.reduce((counts, id) => counts.set(id, (counts.get(id) ?? 0) + 1), new Map<string, number>());

it('a pickup posted on hub A goes to a driver on hub B, and its in-transit and notice to the store’s vendor on hub C', async () => {
  const [a, b, c] = await threeHubs();
  const poster = hubs.connect(a!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'poster' });
  for (const id of ['o-1', 'o-2', 'o-3']) {
    expect(await poster.timeout(10_000).emitWithAck('pickup', pickup(id))).toEqual({ ok: true, messageId: id, duplicate: false });
  }
  // The poster leaves, so that the store's only vendor is the one on C.
  poster.disconnect();
  const vendor = hubs.connect(c!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'vendor-on-c' });
  const notices = collect<Envelope>(vendor, 'delivered', 3);
  // The driver's in-transit, relayed to the store's room on B, reaches the room's vendor on C too.
  const inTransit = collect<Envelope>(vendor, 'in-transit', 3);
  const driver = t.driver(b!.url, 'driver-1');
  expect((await notices).map((notice) => notice.messageId).sort()).toEqual(['o-1', 'o-2', 'o-3']);
  expect((await inTransit).map((envelope) => envelope.messageId).sort()).toEqual(['o-1', 'o-2', 'o-3']);
  expect(driver.link.url).toBe(b!.url);
  // Each pickup left the store with its delivery.
  const redis = await hubs.redis();
  expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(0);
  expect(await redis.run('HLEN', HUB_KEYS.held('driver'))).toBe(0);
});

it('an order sent again through another hub is stored once, and the queue length limit holds across hubs', async () => {
  const [a, b, c] = await threeHubs({ MAX_QUEUE_LENGTH: '2' });
  const onA = hubs.connect(a!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'v-a' });
  const onB = hubs.connect(b!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'v-b' });
  const onC = hubs.connect(c!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'v-c' });
  expect(await onA.timeout(10_000).emitWithAck('pickup', pickup('twice'))).toEqual({ ok: true, messageId: 'twice', duplicate: false });
  expect(await onB.timeout(10_000).emitWithAck('pickup', pickup('twice'))).toEqual({ ok: true, messageId: 'twice', duplicate: true });
  expect(await onB.timeout(10_000).emitWithAck('pickup', pickup('second'))).toEqual({ ok: true, messageId: 'second', duplicate: false });
  expect(await onC.timeout(10_000).emitWithAck('pickup', pickup('third'))).toMatchObject({ ok: false, error: { code: 'queue_full' } });
  // A duplicate of a queued order is no new entry, so it is not refused for the length.
  expect(await onC.timeout(10_000).emitWithAck('pickup', pickup('second'))).toEqual({ ok: true, messageId: 'second', duplicate: true });
  const redis = await hubs.redis();
  expect(await redis.run('ZRANGE', HUB_KEYS.live('driver'), 0, -1)).toEqual(['twice', 'second']);
});

it('a claimed package is its driver’s on every hub: no other driver may claim or report it, and it goes to another only when its lease runs out', async () => {
  const [a, b, c] = await threeHubs({ LEASE_MS: '2000' });
  const { driver: first } = await postAndClaim(a!.url, b!.url, 'mine');
  const redis = await hubs.redis();
  expect(await redis.run('HGET', HUB_KEYS.owner('driver'), 'mine')).toBe('driver-1');

  // driver-2, on C, is refused what driver-1 holds on B.
  const second = hubs.connect(c!.url, { role: 'driver', clientId: 'driver-2' });
  await waitFor(second, 'connect');
  expect(await second.timeout(10_000).emitWithAck('claim', { messageId: 'mine' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  expect(await second.timeout(10_000).emitWithAck('delivered', pickup('mine'))).toMatchObject({ ok: false });
  expect(await redis.run('HGET', HUB_KEYS.owner('driver'), 'mine')).toBe('driver-1');

  // driver-1 goes for good: once its 2-second lease has run out, the package is driver-2's to take.
  const sent = waitFor<[Envelope]>(second, 'pickup');
  first.disconnect();
  expect((await sent)[0].messageId).toBe('mine');
  expect(await second.timeout(10_000).emitWithAck('claim', { messageId: 'mine' })).toEqual({ ok: true });
  expect(await redis.run('HGET', HUB_KEYS.owner('driver'), 'mine')).toBe('driver-2');
});

it('a driver that moves to another hub reports there what it carries, and gets back there what it has not delivered yet', async () => {
  const [a, b, c] = await threeHubs({ LEASE_MS: '60000' });
  const { vendor, driver: onB } = await postAndClaim(a!.url, b!.url, 'carried');
  const second = waitFor<[Envelope]>(onB, 'pickup');
  await vendor.timeout(10_000).emitWithAck('pickup', pickup('moving'));
  await second;
  expect(await onB.timeout(10_000).emitWithAck('claim', { messageId: 'moving' })).toEqual({ ok: true });

  // driver-1 is on C too while B still holds both packages: what it reports there counts, as Redis
  // has it as their owner, and completing it takes it off B.
  const onC = hubs.connect(c!.url, { role: 'driver', clientId: 'driver-1' });
  const sentOnC: string[] = [];
  onC.on('pickup', (envelope) => sentOnC.push(envelope.messageId));
  await waitFor(onC, 'connect');
  const carried = waitFor<[Envelope]>(vendor, 'delivered');
  expect(await onC.timeout(10_000).emitWithAck('delivered', pickup('carried'))).toMatchObject({ ok: true });
  expect((await carried)[0].messageId).toBe('carried');

  // It leaves B: B gives back what it still held, and C sends it the one it has not delivered, only that one.
  const back = waitFor<[Envelope]>(onC, 'pickup');
  onB.disconnect();
  expect((await back)[0].messageId).toBe('moving');
  const moving = waitFor<[Envelope]>(vendor, 'delivered');
  expect(await onC.timeout(10_000).emitWithAck('delivered', pickup('moving'))).toMatchObject({ ok: true });
  expect((await moving)[0].messageId).toBe('moving');
  expect(sentOnC).toEqual(['moving']);
});

it('a SIGKILLed hub’s packages come back through the others: every order delivered and thanked once, claimed ones by their own driver', async () => {
  const [a, b, c] = await threeHubs();
  const vendor = t.vendor(a!.url, 'acme-widgets');
  const orders = await Promise.all(Array.from({ length: 8 }, () => vendor.post()));
  const ids = orders.map((envelope) => envelope.messageId);
  const thanked: string[] = [];
  vendor.on('thanked', (envelope) => thanked.push(envelope.messageId));

  // driver-1 takes three packages at a time on B; B dies the moment its first claim is stored.
  const driver1 = t.driver(b!.url, 'driver-1', { hubUrls: [b!.url, c!.url], prefetch: 3, delayMs: 200 });
  const seenBy1 = pickupsSeen(driver1);
  const delivered1: string[] = [];
  driver1.on('delivered', (envelope) => delivered1.push(envelope.messageId));
  await new Promise<void>((resolve) =>
    driver1.once('picked', () => {
      b!.proc.signal('SIGKILL');
      resolve();
    }),
  );
  await b!.proc.exited();
  const redis = await hubs.redis();
  const owners = (await redis.run('HGETALL', HUB_KEYS.owner('driver'))) as string[];
  const claimedIds = owners.filter((_, i) => i % 2 === 0);
  expect(claimedIds.length).toBeGreaterThan(0);

  // driver-2 joins on A: it must never be sent a package driver-1 claimed.
  const driver2 = t.driver(a!.url, 'driver-2');
  const seenBy2 = pickupsSeen(driver2);
  const delivered2: string[] = [];
  driver2.on('delivered', (envelope) => delivered2.push(envelope.messageId));

  await until(vendor, ['thanked'], () => thanked.length >= ids.length, `${ids.length} orders thanked for`);
  expect([...thanked].sort()).toEqual([...ids].sort());
  expect(driver1.link.url).toBe(c!.url);
  expect(tally([...delivered1, ...delivered2])).toEqual(new Map(ids.map((id) => [id, 1])));
  expect(claimedIds.filter((id) => !delivered1.includes(id))).toEqual([]);
  expect(seenBy2.filter((id) => claimedIds.includes(id))).toEqual([]);
  expect(seenBy1.length).toBeGreaterThan(0);
  expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(0);
  expect(await redis.run('HLEN', HUB_KEYS.owner('driver'))).toBe(0);
});

it('a SIGKILLed hub’s unanswered pickups go out through another hub once ACK_TIMEOUT_MS has passed, however long CAPS_REDIS_LEASE_MS is', async () => {
  // A 10-minute lease: what B had in flight can only come back this soon by the ack timeout.
  const [a, b, c] = await threeHubs({ CAPS_REDIS_LEASE_MS: '600000', ACK_TIMEOUT_MS: '3000' });
  const vendor = t.vendor(a!.url, 'acme-widgets');
  const thanked: string[] = [];
  vendor.on('thanked', (envelope) => thanked.push(envelope.messageId));
  // driver-1 on B is sent both pickups and answers neither; B dies holding them.
  const silent = hubs.connect(b!.url, { role: 'driver', clientId: 'driver-1' });
  const sent = collect<Envelope>(silent, 'pickup', 2);
  const ids = [(await vendor.post()).messageId, (await vendor.post()).messageId];
  expect((await sent).map((envelope) => envelope.messageId).sort()).toEqual([...ids].sort());
  b!.proc.signal('SIGKILL');
  await b!.proc.exited();

  const driver2 = t.driver(c!.url, 'driver-2');
  const delivered: string[] = [];
  driver2.on('delivered', (envelope) => delivered.push(envelope.messageId));
  await until(vendor, ['thanked'], () => thanked.length >= 2, 'both orders thanked for');
  expect([...delivered].sort()).toEqual([...ids].sort());
});

it('a SIGKILL and restart of Redis loses no acknowledged order: every hub answers unavailable meanwhile, says so at /healthz, and recovers by itself', async () => {
  const [a, b, c] = await threeHubs({ LOG_LEVEL: 'info' });
  const redis = await hubs.redis();
  const vendor = t.vendor(a!.url, 'acme-widgets');
  const thanked: string[] = [];
  vendor.on('thanked', (envelope) => thanked.push(envelope.messageId));
  // Twenty orders acknowledged by hub A, with no driver anywhere: they are only in Redis.
  const ids = (await Promise.all(Array.from({ length: 20 }, () => vendor.post()))).map((envelope) => envelope.messageId);
  expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(20);

  await redis.kill();
  await Promise.all([a!, b!, c!].map((hub) => hub.proc.line(/lost the connection to Redis at /)));
  for (const hub of [a!, b!, c!]) expect((await fetch(`${hub.url}/healthz`)).status).toBe(503);
  const refused = hubs.connect(c!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'while-away' });
  expect(await refused.timeout(10_000).emitWithAck('pickup', pickup('while-away'))).toMatchObject({ ok: false, error: { code: 'unavailable' } });

  await redis.restart();
  await Promise.all([a!, b!, c!].map((hub) => hub.proc.line(/Redis at .* is back; the queue store takes calls again/)));
  // A driver on B, which took nothing before: all twenty come from Redis's append-only file.
  const driver = t.driver(b!.url, 'driver-1');
  const delivered: string[] = [];
  driver.on('delivered', (envelope) => delivered.push(envelope.messageId));
  await until(vendor, ['thanked'], () => thanked.length >= ids.length, `${ids.length} orders thanked for`);
  expect(tally(delivered)).toEqual(new Map(ids.map((id) => [id, 1])));
  expect([...thanked].sort()).toEqual([...ids].sort());
});

it('every hub’s dashboard and /metrics show the whole CAPS’s queue depths, whichever hub the orders came through', async () => {
  const [a, , c] = await threeHubs();
  const poster = hubs.connect(a!.url, { role: 'vendor', store: 'acme-widgets', clientId: 'poster' });
  for (const id of ['d-1', 'd-2', 'd-3']) expect(await poster.timeout(10_000).emitWithAck('pickup', pickup(id))).toMatchObject({ ok: true });

  // C has no client at all: it holds none of these, and shows them all the same.
  const page: Socket<DashboardToPageEvents, PageToDashboardEvents> = io(`${c!.url}${DASHBOARD_NAMESPACE}`, { forceNew: true, transports: ['websocket'] });
  try {
    let queues: QueueStats[] = [];
    page.on('snapshot', (snapshot: DashboardSnapshot) => (queues = snapshot.queues));
    page.on('update', (update: DashboardUpdate) => (queues = update.queues ?? queues));
    const driverQueue = () => queues.find((q) => q.queueId === 'driver');
    await until(page, ['snapshot', 'update'], () => driverQueue()?.depth === 3, 'C’s page to show 3 pickups queued');
    expect(driverQueue()).toEqual({ queueId: 'driver', depth: 3, inFlight: 0, dead: 0, consumers: 0 });
  } finally {
    page.disconnect();
  }
  const metrics = await (await fetch(`${c!.url}/metrics`)).text();
  expect(metrics).toMatch(/^caps_queue_depth\{queue="driver",hub="[^"]+"\} 3$/m);
});

it('refuses a hub that writes alone, or a standby, on the prefix of running shared hubs', async () => {
  const shared = await hubs.hub('shared', SHORT_LEASE, ['--shared']);
  await shared.proc.line(LISTENING);
  for (const [name, args] of [['alone', []], ['standby', ['--standby']]] as const) {
    const refused = await hubs.hub(name, SHORT_LEASE, [...args]);
    expect(await refused.proc.exited()).toMatchObject({ code: 1 });
    expect(refused.proc.matching(/shared hubs \(--shared\) serve redis:\/\/.* among them: a hub that writes alone would keep their queues in its own memory; start this hub with --shared too/)).toHaveLength(1);
  }
});

it('refuses --shared without Redis, and with --standby', async () => {
  const memory = await hubs.hub('memory hub', { CAPS_STORE: 'memory' }, ['--shared']);
  expect(await memory.proc.exited()).toMatchObject({ code: 1 });
  expect(memory.proc.matching(/shared hubs \(--shared\) serve the queues of one Redis prefix together, so they need CAPS_STORE=redis/)).toHaveLength(1);
  const both = await hubs.hub('both', {}, ['--shared', '--standby']);
  expect(await both.proc.exited()).toMatchObject({ code: 1 });
  expect(both.proc.matching(/a hub is either shared \(--shared: every hub serves\) or a standby/)).toHaveLength(1);
});
