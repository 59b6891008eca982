/**
 * The dashboard lists every hub of a CAPS on Redis (src/queue/redis/hub-roster.ts), with real hub
 * processes: the active hub's page shows its standby, which does not listen and so cannot be seen
 * any other way, and how many clients each hub has; once the active hub is SIGKILLed, the standby
 * takes over, and its own page shows it as the one active hub, the killed one gone from the list. A page's "Stop this hub" stops the
 * active hub as Ctrl-C would: it exits 0, gives its lease up and leaves the roster, and the standby
 * takes over; with no standby listed, the hub refuses to stop.
 *
 * The hubs run on a 3-second writer lease, so they beat every second and a killed hub leaves the
 * roster 3 seconds after its last beat; every step waits for a log line or a page update.
 */
import { io, type Socket } from 'socket.io-client';
import {
  DASHBOARD_NAMESPACE,
  type DashboardSnapshot,
  type DashboardToPageEvents,
  type DashboardUpdate,
  type HubView,
  type PageToDashboardEvents,
  type StopHubAck,
} from '../../src/protocol/dashboard';
import { CAPS_NAMESPACE } from '../../src/protocol/events';
import { ACTIVE_LINE, HUB_KEYS, RedisHubs, SHORT_LEASE, STANDING_BY_LINE } from '../helpers/redis-hubs';
import { until, waitFor } from '../helpers/wait-for';

const hubs = new RedisHubs();
const pages: Socket[] = [];
afterEach(async () => {
  for (const page of pages.splice(0)) page.disconnect();
  await hubs.cleanup();
});

/** A dashboard page on the hub at `url`, and the hubs it shows now (from its snapshot, then its updates). */
function openPage(url: string): { page: Socket<DashboardToPageEvents, PageToDashboardEvents>; shown: () => Pick<HubView, 'id' | 'role' | 'self'>[]; hubs: () => HubView[] } {
  const page: Socket<DashboardToPageEvents, PageToDashboardEvents> = io(`${url}${DASHBOARD_NAMESPACE}`, { forceNew: true, transports: ['websocket'] });
  pages.push(page);
  let latest: HubView[] = [];
  page.on('snapshot', (snapshot: DashboardSnapshot) => (latest = snapshot.hubs));
  page.on('update', (update: DashboardUpdate) => (latest = update.hubs ?? latest));
  return { page, shown: () => latest.map(({ id, role, self }) => ({ id, role, self })), hubs: () => latest };
}

/** Resolves once the page shows exactly `expected`. */
function shows(page: ReturnType<typeof openPage>, expected: Pick<HubView, 'id' | 'role' | 'self'>[]): Promise<void> {
  const want = JSON.stringify(expected);
  return until(page.page, ['snapshot', 'update'], () => JSON.stringify(page.shown()) === want, `the page to show the hubs ${want}`);
}

it('shows the active hub and its standby, and after a SIGKILL the standby alone, now active', async () => {
  const one = await hubs.hub('hub-1', { ...SHORT_LEASE, LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-1' }, ['--standby']);
  await one.proc.line(ACTIVE_LINE);
  const two = await hubs.hub('hub-2', { ...SHORT_LEASE, LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-2' }, ['--standby']);
  await two.proc.line(STANDING_BY_LINE);

  await shows(openPage(one.url), [
    { id: 'hub-1', role: 'active', self: true },
    { id: 'hub-2', role: 'standby', self: false },
  ]);
  // A client of the active hub (a classroom one, from this machine) is counted at its next beat.
  const client = io(`${one.url}${CAPS_NAMESPACE}`, { forceNew: true, transports: ['websocket'] });
  pages.push(client);
  await waitFor(client, 'connect');
  const page = openPage(one.url);
  const counts = () => page.hubs().map(({ id, clients }) => `${id}: ${clients}`).join(', ');
  await until(page.page, ['snapshot', 'update'], () => counts() === 'hub-1: 1, hub-2: 0', 'the page to show one client on hub-1 and none on its standby');
  const metrics = await (await fetch(`${one.url}/metrics`)).text();
  expect(metrics).toMatch(/^caps_hubs\{role="active",hub="hub-1"\} 1$/m);
  expect(metrics).toMatch(/^caps_hubs\{role="standby",hub="hub-1"\} 1$/m);

  await one.proc.kill();
  await two.proc.line(ACTIVE_LINE);
  await shows(openPage(two.url), [{ id: 'hub-2', role: 'active', self: true }]);
});

it('stops the active hub when its page asks, once a standby is listed, and the standby takes over', async () => {
  const one = await hubs.hub('hub-1', { LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-1' }, ['--standby']);
  await one.proc.line(ACTIVE_LINE);
  const page = openPage(one.url);
  await shows(page, [{ id: 'hub-1', role: 'active', self: true }]);
  // Alone, it would leave nothing serving: it refuses, and serves on.
  expect(await page.page.emitWithAck('stopHub')).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('No standby hub is listed') } });
  expect((await fetch(`${one.url}/healthz`)).status).toBe(200);

  const two = await hubs.hub('hub-2', { LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-2' }, ['--standby']);
  await two.proc.line(STANDING_BY_LINE);
  await shows(page, [
    { id: 'hub-1', role: 'active', self: true },
    { id: 'hub-2', role: 'standby', self: false },
  ]);
  const pid = page.hubs().find((hub) => hub.self)!.pid;
  const answer: StopHubAck = await page.page.emitWithAck('stopHub');
  expect(answer).toEqual({ ok: true, message: expect.stringContaining('hub-2 takes over') });
  expect(await one.proc.exited()).toEqual({ code: 0, signal: null });
  // It gave its writer lease up (nobody holds it yet, or hub-2 already does) and left the roster.
  const redis = await hubs.redis();
  expect(String(await redis.run('GET', HUB_KEYS.writer))).not.toContain(`pid ${pid} `);
  expect(((await redis.run('HVALS', HUB_KEYS.hubs)) as string[]).map((json) => (JSON.parse(json) as HubView).id)).toEqual(['hub-2']);
  await two.proc.line(ACTIVE_LINE);
  await shows(openPage(two.url), [{ id: 'hub-2', role: 'active', self: true }]);
});

it('stops a shared hub when its page asks, once another shared hub is listed, and its clients move there', async () => {
  const one = await hubs.hub('hub-1', { LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-1' }, ['--shared']);
  await one.proc.line(/CAPS hub listening on/);
  const page = openPage(one.url);
  await shows(page, [{ id: 'hub-1', role: 'active', self: true }]);
  expect(await page.page.emitWithAck('stopHub')).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('No other shared hub is listed') } });

  const two = await hubs.hub('hub-2', { LOG_LEVEL: 'info', CAPS_HUB_ID: 'hub-2' }, ['--shared']);
  await two.proc.line(/CAPS hub listening on/);
  await shows(page, [
    { id: 'hub-1', role: 'active', self: true },
    { id: 'hub-2', role: 'active', self: false },
  ]);
  const answer: StopHubAck = await page.page.emitWithAck('stopHub');
  expect(answer).toEqual({ ok: true, message: expect.stringContaining('its clients move to hub-2, which serve the same queues') });
  expect(await one.proc.exited()).toEqual({ code: 0, signal: null });
  await shows(openPage(two.url), [{ id: 'hub-2', role: 'active', self: true }]);
});
