/**
 * A page's `stopHub` (protocol/dashboard.ts): passed on for a page that may control, with the
 * stop's own answer (it may refuse); refused for one that may only watch, and on a hub that was
 * not given a way to stop (`not_found`); ignored without an ack. The stop itself is a counter
 * here: what `npm run hub -- --standby` does with it (SIGTERM to itself, unless no standby is
 * listed) is tested with processes in tests/e2e/hub-roster.test.ts.
 */
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import { DASHBOARD_NAMESPACE, type PageToDashboardEvents, type StopHubAck } from '../../src/protocol/dashboard';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

const OTHER_SITE = 'https://evil.example';
let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const STOPPING: StopHubAck = { ok: true, message: 'stopping' };

/** A hub whose dashboard counts its stops, answering `answer` (no stop at all with `null`); an allowed other site's pages may watch it. */
async function hubWithDashboard(answer: StopHubAck | null = STOPPING): Promise<{ hub: Hub; stops: () => number }> {
  const hub = await t.hub({ trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, allowedOrigins: [OTHER_SITE] } });
  let stops = 0;
  const stopHub = answer === null ? undefined : () => (stops++, answer);
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger, ...(stopHub && { stopHub }) });
  t.defer(() => dashboard.close());
  return { hub, stops: () => stops };
}

async function openPage(hub: Hub, origin?: string): Promise<Socket<Record<string, never>, PageToDashboardEvents>> {
  const page: Socket<Record<string, never>, PageToDashboardEvents> = io(`${hub.url}${DASHBOARD_NAMESPACE}`, {
    forceNew: true,
    transports: ['websocket'],
    ...(origin && { extraHeaders: { origin } }),
  });
  t.defer(() => page.disconnect());
  await waitFor(page, 'snapshot');
  return page;
}

it('stops the hub for a page that may control, and passes the answer on', async () => {
  const { hub, stops } = await hubWithDashboard();
  expect(await (await openPage(hub)).emitWithAck('stopHub')).toEqual(STOPPING);
  expect(stops()).toBe(1);
});

it('passes on a refusal of the stop itself (no standby to take over)', async () => {
  const refusal: StopHubAck = { ok: false, error: { code: 'unavailable', message: 'No standby hub is listed' } };
  const { hub } = await hubWithDashboard(refusal);
  expect(await (await openPage(hub)).emitWithAck('stopHub')).toEqual(refusal);
});

it('refuses a page that may only watch, and does not stop', async () => {
  const { hub, stops } = await hubWithDashboard();
  const answer: StopHubAck = await (await openPage(hub, OTHER_SITE)).emitWithAck('stopHub');
  expect(answer).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringContaining(`${OTHER_SITE} may watch but not control`) } });
  expect(stops()).toBe(0);
});

it('answers not_found on a hub that cannot be stopped from its dashboard', async () => {
  const { hub } = await hubWithDashboard(null);
  const answer: StopHubAck = await (await openPage(hub)).emitWithAck('stopHub');
  expect(answer).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringContaining('only a hub run by npm run hub -- --standby on Redis') } });
});

it('ignores a stopHub without an ack, and stays up', async () => {
  const { hub, stops } = await hubWithDashboard();
  const page = await openPage(hub);
  (page as unknown as Socket).emit('stopHub', 'no ack here');
  // The page's next command is answered: the one before it was read, and ignored.
  expect(await page.emitWithAck('stopHub')).toMatchObject({ ok: true });
  expect(stops()).toBe(1);
});
