/**
 * The store's health beyond `/healthz`: `/metrics` (`caps_store_up`, `caps_store_outages_total`,
 * `caps_store_down_seconds`) and the dashboard's feed, on a memory store and on a private Redis that
 * is SIGKILLed and restarted (same port and directory: it reloads its append-only file) under a
 * running hub. And the watch behind them, on a clock the test sets: when each outage began, how
 * many there were, even one that nobody looked at while it lasted.
 */
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { CapsClientSocket } from '../../src/client/connect';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import { StoreHealthWatch } from '../../src/hub/store-health';
import type { StoreStatus } from '../../src/protocol/dashboard';
import { DASHBOARD_NAMESPACE, type DashboardSnapshot, type DashboardToPageEvents, type DashboardUpdate } from '../../src/protocol/dashboard';
import { RedisKeys } from '../../src/queue/redis/keys';
import { RedisStore } from '../../src/queue/redis-store';
import { parseMetrics } from '../../src/simulator/hub-process';
import { message } from '../queue/store-contract';
import { rawVendor } from '../helpers/raw-clients';
import { pickup } from '../helpers/redis-hubs';
import { RedisServer } from '../helpers/redis-server';
import { CapturingLogger, setup, silentLogger, type LogLine, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const UNREACHABLE = /^Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable \(.+\)$/;
const LOST = /^lost the connection to Redis at /;
const BACK = /^Redis at .* is back/;

/** The next log line (not one already written) whose message matches `pattern`. */
const nextLine = (log: CapturingLogger, pattern: RegExp) => waitFor<[LogLine]>(log, 'line', (line) => pattern.test(line.msg));

/** The hub's `caps_store_*` samples, by name, with the labels of `caps_store_up`. */
async function storeMetrics(hub: Hub): Promise<Record<string, number | Record<string, string>>> {
  const samples = parseMetrics(await (await fetch(`${hub.url}/metrics`)).text()).filter((s) => s.name.startsWith('caps_store_'));
  expect(samples.every((s) => s.labels.hub === hub.id)).toBe(true);
  const up = samples.find((s) => s.name === 'caps_store_up');
  return { ...Object.fromEntries(samples.map((s) => [s.name, s.value])), upLabels: up?.labels ?? {} };
}

/** The hub's dashboard, and a page's socket on it that has had its snapshot. */
async function openPage(hub: Hub): Promise<{ page: Socket<DashboardToPageEvents>; snapshot: DashboardSnapshot }> {
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const page: Socket<DashboardToPageEvents> = io(`${hub.url}${DASHBOARD_NAMESPACE}`, { forceNew: true, transports: ['websocket'] });
  t.defer(() => page.disconnect());
  const [snapshot] = await waitFor<[DashboardSnapshot]>(page, 'snapshot');
  return { page, snapshot };
}

/** Resolves with the store as the first update that shows it `up` (or down) says it. */
async function storeUpdate(page: Socket<DashboardToPageEvents>, up: boolean): Promise<StoreStatus> {
  const [update] = await waitFor<[DashboardUpdate]>(page, 'update', (u: DashboardUpdate) => u.store?.up === up);
  return update.store!;
}

type Answer = { ok: boolean; error?: { code: string } };
const post = (vendor: CapsClientSocket, id: string) => vendor.timeout(10_000).emitWithAck('pickup', pickup(id)) as Promise<Answer>;

it('a hub on the memory store shows it up in /metrics and on the dashboard', async () => {
  const hub = await t.hub();
  const { snapshot } = await openPage(hub);
  expect(snapshot.store).toEqual({ kind: 'memory', up: true, since: expect.any(Number), outages: 0 });
  expect(await storeMetrics(hub)).toEqual({
    caps_store_up: 1,
    caps_store_outages_total: 0,
    caps_store_down_seconds: 0,
    upLabels: { store: 'memory', hub: hub.id },
  });
});

it('a hub on Redis shows the store down in /metrics and on the dashboard while Redis is gone, and up again once it is back', async () => {
  const redis = await RedisServer.start();
  t.defer(() => redis.cleanup());
  const log = new CapturingLogger();
  const hub = await t.hub({ store: redis.url }, log.logger);
  const { page, snapshot } = await openPage(hub);
  expect(snapshot.store).toEqual({ kind: 'redis', up: true, since: expect.any(Number), outages: 0 });
  expect(await storeMetrics(hub)).toMatchObject({ caps_store_up: 1, caps_store_outages_total: 0, caps_store_down_seconds: 0, upLabels: { store: 'redis' } });
  const vendor = rawVendor(t, hub, 'acme-widgets');
  expect(await post(vendor, 'before')).toMatchObject({ ok: true });

  const down = storeUpdate(page, false);
  const killedAt = Date.now();
  await redis.kill();
  const gone = await down;
  expect(gone).toEqual({ kind: 'redis', up: false, since: expect.any(Number), reason: expect.stringMatching(UNREACHABLE), outages: 1 });
  expect(gone.since).toBeGreaterThanOrEqual(killedAt);
  const metrics = await storeMetrics(hub);
  expect(metrics).toMatchObject({ caps_store_up: 0, caps_store_outages_total: 1, upLabels: { store: 'redis', hub: hub.id } });
  expect(metrics.caps_store_down_seconds).toBeGreaterThanOrEqual(0);
  // What the page and the metrics say is what the clients get, and what /healthz says.
  expect(await post(vendor, 'during')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  expect((await fetch(`${hub.url}/healthz`)).status).toBe(503);

  const back = storeUpdate(page, true);
  const restartedAt = Date.now();
  await redis.restart();
  const recovered = await back;
  expect(recovered).toEqual({ kind: 'redis', up: true, since: expect.any(Number), outages: 1 });
  expect(recovered.since).toBeGreaterThanOrEqual(restartedAt);
  expect(await storeMetrics(hub)).toMatchObject({ caps_store_up: 1, caps_store_outages_total: 1, caps_store_down_seconds: 0 });
  await log.line(BACK);
  expect(await post(vendor, 'during')).toEqual({ ok: true, messageId: 'during', duplicate: false });
  expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual(['before', 'during']);
});

describe('the watch', () => {
  it('dates each change on its clock and counts every outage: one nobody looked at, a new reason in the same one, a lost lease', async () => {
    const redis = await RedisServer.start();
    t.defer(() => redis.cleanup());
    const log = new CapturingLogger();
    const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix: 'caps:', logger: log.logger });
    t.defer(() => store.close());
    let now = 1_000;
    const watch = new StoreHealthWatch(store, () => now);
    t.defer(() => watch.close());
    expect(watch.status()).toEqual({ kind: 'redis', up: true, since: 1_000, outages: 0 });

    // An outage that nobody looks at while it lasts is still counted.
    now = 2_000;
    let lost = nextLine(log, LOST);
    await redis.kill();
    await lost;
    now = 3_000;
    let back = nextLine(log, BACK);
    await redis.restart();
    await back;
    now = 4_000;
    expect(watch.status()).toEqual({ kind: 'redis', up: true, since: 3_000, outages: 1 });
    expect(watch.downForMs()).toBe(0);

    // The next: down since it was lost, however many times the reason changes meanwhile.
    now = 5_000;
    lost = nextLine(log, LOST);
    await redis.kill();
    await lost;
    now = 7_500;
    expect(watch.status()).toEqual({ kind: 'redis', up: false, since: 5_000, reason: expect.stringMatching(UNREACHABLE), outages: 2 });
    expect(watch.downForMs()).toBe(2_500);
    // Each reconnection attempt is refused now, which the store reports as a change of reason.
    const changes = new EventEmitter();
    t.defer(store.onHealthChange(() => changes.emit('change')));
    await until(changes, ['change'], () => /ECONNREFUSED/.test(watch.status().reason ?? ''), 'the reason says that Redis refuses connections');
    expect(watch.status()).toMatchObject({ up: false, since: 5_000, outages: 2 });

    back = nextLine(log, BACK);
    now = 8_000;
    await redis.restart();
    await back;
    expect(watch.status()).toEqual({ kind: 'redis', up: true, since: 8_000, outages: 2 });

    // Another hub took the lease: down for good, the third outage.
    const keys = new RedisKeys('caps:');
    await redis.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, keys.writer, keys.epoch, 'pid 1 on elsewhere (started 2020-01-01T00:00:00.000Z) #x');
    now = 9_000;
    await expect(store.enqueue(message('driver', 'after'))).rejects.toThrow(/lost the writer lease/);
    await until(changes, ['change'], () => !watch.status().up, 'the watch sees the lease lost');
    expect(watch.status()).toEqual({ kind: 'redis', up: false, since: 9_000, reason: expect.stringMatching(/lost the writer lease/), outages: 3 });
  });
});
