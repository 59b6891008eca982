/**
 * The lab's visual check, clicked through in a real browser: a real hub with the dashboard, a
 * controllable vendor and driver (as `npm run demo` starts them), and headless Chromium on the page.
 * Every wait is on something the page shows; there are no sleeps.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import type { Vendor } from '../../src/vendor/vendor';
import { HubRoster, type RosterEntry } from '../../src/queue/redis/hub-roster';
import { RedisServer } from '../helpers/redis-server';
import { setup, silentLogger, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { launchBrowser, SCREENSHOTS } from './browser';
import { controllableDriver, controllableVendor } from './demo-clients';

const STORE = 'acme-widgets';
const VENDOR = `vendor:${STORE}`;
const DRIVER = 'driver-1';

let t: TestContext;
afterEach(() => t?.cleanup());

/** Waits until the page shows queue `queueId` with exactly `depth` messages. */
async function untilQueue(page: Page, queueId: string, depth: number): Promise<void> {
  await page
    .waitForFunction(
      ([id, want]) => document.querySelector(`#queues tr[data-queue="${id}"] .depth`)?.textContent === String(want),
      [queueId, depth] as const,
    )
    .catch((err: Error) => {
      throw new Error(`the page never showed queue "${queueId}" at depth ${depth}: ${err.message}`);
    });
}

async function untilClient(page: Page, clientId: string, state: 'connected' | 'paused' | 'away'): Promise<void> {
  await page.locator(`li.client[data-client-id="${clientId}"][data-state="${state}"]`).waitFor();
}

/** Waits until the card of `messageId` has reached at least `delivered`. */
async function untilDelivered(page: Page, messageId: string): Promise<void> {
  await page.waitForFunction((id) => Number(document.querySelector(`.card[data-message-id="${id}"]`)?.getAttribute('data-rank')) >= 3, messageId);
}

/** Clicks the page's "Post order" for the vendor and returns the order's id, as the vendor posted it. */
async function postOrder(page: Page, vendor: Vendor): Promise<string> {
  const posted = waitFor(vendor, 'posted');
  await page.getByRole('button', { name: `Post an order as ${VENDOR}` }).and(page.locator(':not([aria-busy])')).click();
  const [envelope] = await posted;
  return envelope.messageId as string;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

it('shows the clients, moves a posted order to delivered, and shows the driver queue grow while the driver is away and drain on its return', async () => {
  t = await setup();
  const hub: Hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const { vendor } = controllableVendor(t, hub, STORE);
  controllableDriver(t, hub, DRIVER, 150);
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console: ${msg.text()}`));

  // 1. The page loads from the hub and gets its snapshot.
  await page.goto(`${hub.url}/`);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.getByText("Controls on: you are on the hub's machine.").waitFor();
  await page.locator('#store[data-state="up"]').getByText('memory store: up').waitFor();
  expect(await page.locator('#hubs-panel').isHidden()).toBe(true); // one hub, no roster

  // 2. It lists both clients as connected and controllable, and the store's room.
  await untilClient(page, VENDOR, 'connected');
  await untilClient(page, DRIVER, 'connected');
  await page.locator(`#rooms li[data-room="${STORE}"]`).getByText(VENDOR).waitFor();

  // 3. A click posts an order; its card moves through the board to "delivered" (and on).
  const first = await postOrder(page, vendor);
  await page.locator(`.card[data-message-id="${first}"]`).waitFor();
  await untilDelivered(page, first);
  await page.locator('#notice[data-kind="ok"]').getByText(`${VENDOR} posted order ${first}`).waitFor();
  await untilQueue(page, 'driver', 0);

  // 4. Disconnect the driver, post three orders: the driver queue grows, the cards wait in "ordered".
  await page.getByRole('button', { name: `Disconnect ${DRIVER}` }).click();
  await untilClient(page, DRIVER, 'away');
  const waiting = [await postOrder(page, vendor), await postOrder(page, vendor), await postOrder(page, vendor)];
  await untilQueue(page, 'driver', 3);
  for (const id of waiting) await page.locator(`[data-stage-column="ordered"] .card[data-message-id="${id}"]`).waitFor();
  await page.locator('#queues tr[data-queue="driver"].stranded').waitFor();
  await screenshot(page, 'driver-away');

  // 5. Reconnect it: the queue drains and every waiting order is delivered.
  await page.getByRole('button', { name: `Reconnect ${DRIVER}` }).click();
  await untilClient(page, DRIVER, 'connected');
  await untilQueue(page, 'driver', 0);
  for (const id of waiting) await untilDelivered(page, id);

  // Pause works hub-side: a paused driver stays connected, is sent nothing, and catches up on resume.
  // From the keyboard this time: the button keeps the focus while the list is redrawn around it.
  await page.getByRole('button', { name: `Pause ${DRIVER}` }).focus();
  await page.keyboard.press('Enter');
  await untilClient(page, DRIVER, 'paused');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Resume ${DRIVER}`);
  const held = await postOrder(page, vendor);
  await untilQueue(page, 'driver', 1);
  await page.getByRole('button', { name: `Resume ${DRIVER}` }).focus();
  await page.keyboard.press('Space');
  await untilClient(page, DRIVER, 'connected');
  await untilDelivered(page, held);
  await untilQueue(page, 'driver', 0);

  // The log has every kind of line, and its filter works.
  await page.locator('#log li[data-kind="control"]').first().waitFor();
  await page.getByLabel('Filter').fill(held.slice(0, 8));
  await page.waitForFunction(
    (id) => [...document.querySelectorAll<HTMLElement>('#log li')].every((li) => li.hidden === !li.textContent!.includes(id)),
    held.slice(0, 8),
  );
  await page.getByLabel('Filter').fill('');
  await screenshot(page, 'desktop-1280x800');

  // At phone width the page still fits: nothing sticks out sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 390);
  await screenshot(page, 'phone-390');

  expect(problems).toEqual([]);
});

it('stays responsive and keeps the DOM capped under a burst of thousands of events', async () => {
  t = await setup();
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  await page.goto(`${hub.url}/`);
  await page.locator('body[data-ready="true"]').waitFor();

  // Feed the hub's activity directly: 3,000 orders in one go, far more than any class produces.
  const order = (i: number) => ({ store: STORE, orderId: `burst-${i}`, customer: `Customer ${i}`, address: `${i} Main St` });
  for (let i = 0; i < 3000; i++) {
    hub.activity.emit('event', { event: 'pickup', messageId: `burst-${i}`, queueId: 'driver', order: order(i) });
  }
  await page.locator('.card[data-message-id="burst-2999"]').waitFor();
  await page.waitForFunction(() => /skipped in bursts/.test(document.querySelector('#log-status')?.textContent ?? ''));
  const counts = await page.evaluate(() => ({ cards: document.querySelectorAll('.card').length, lines: document.querySelectorAll('#log li').length }));
  expect(counts.cards).toBeLessThanOrEqual(100);
  expect(counts.lines).toBeLessThanOrEqual(200);
  // The sparkline counts them once its second is over.
  await page.waitForFunction(() => Number(document.querySelector('#rate')?.textContent) > 0 || /peak [1-9]/.test(document.querySelector('#sparkline')?.getAttribute('aria-label') ?? ''));
});

it('shows control and bidi characters from clients as visible marks, never applied', async () => {
  t = await setup();
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const page = await (await launchBrowser(t)).newPage();
  await page.goto(`${hub.url}/`);
  await page.locator('body[data-ready="true"]').waitFor();

  // A right-to-left override would show "Ada " followed by "place" reversed; ANSI and CR/LF would
  // forge a log line. Sent as a lab vendor and a lab driver would send them.
  const order = { store: STORE, orderId: 'bidi-1', customer: 'Ada \u202Eecalp', address: '1 Way\r\nforged: line' };
  const vendor = t.labClient(hub);
  const driver = t.labClient(hub);
  expect(await driver.timeout(5000).emitWithAck('getAll', { queueId: 'driver' })).toMatchObject({ ok: true });
  const sent = waitFor(driver, 'pickup');
  expect(await vendor.timeout(5000).emitWithAck('pickup', { messageId: 'bidi-1', queueId: 'driver', order })).toMatchObject({ ok: true });
  await sent;
  expect(await driver.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: 'bidi-1' })).toEqual({ ok: true });
  const report = { messageId: 'bidi-1', queueId: STORE, order, driver: '\u001b[31mdriver\u001b[0m' };
  expect(await driver.timeout(5000).emitWithAck('in-transit', report)).toEqual({ ok: true });
  const card = page.locator('.card[data-message-id="bidi-1"]');
  await card.waitFor();
  expect(await card.locator('.card-customer').textContent()).toBe('Ada ⟨U+202E⟩ecalp');
  expect(await card.getAttribute('title')).toBe('bidi-1\n1 Way␍␊forged: line');
  await page.locator('#log li[data-kind="in-transit"]').getByText('␛[31mdriver␛[0m: bidi-1 in transit').waitFor();
  await page.locator('#log li[data-kind="pickup"]').getByText(`${STORE} posted bidi-1 for Ada ⟨U+202E⟩ecalp`).waitFor();
  const shown = await page.evaluate(() => document.body.innerText);
  expect(shown).not.toMatch(/[\u202e\u001b\r]/);
  await screenshot(page, 'control-characters');
});

it('lists the hubs on the Redis prefix, and shows the Redis store unavailable, with since when and why, while Redis is gone, and up again once it is back', async () => {
  t = await setup();
  const redis = await RedisServer.start();
  t.defer(() => redis.cleanup());
  // This hub's roster entry, and a standby's, as two hub processes would write them (hub/main.ts).
  const join = async (id: string, role: RosterEntry['role'], pid: number) => {
    const roster = await HubRoster.join(redis.spec, { id, role, host: 'box', pid, port: 3000, startedAt: Date.now() }, { prefix: 'caps:', leaseMs: 600_000, logger: silentLogger });
    t.defer(() => roster.close());
    return roster;
  };
  const roster = await join('hub-1', 'active', 1);
  await join('hub-2', 'standby', 2);
  roster.countClients(() => 3);
  await roster.refresh();
  const hub = await t.hub({ store: redis.url }, silentLogger, { hubs: () => roster.hubs() });
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const page = await (await launchBrowser(t)).newPage();
  await page.goto(`${hub.url}/`);
  await page.locator('body[data-ready="true"]').waitFor();
  const store = page.locator('#store');
  await page.locator('#store[data-state="up"][data-kind="redis"]').getByText('redis store: up').waitFor();
  await page.locator('#hubs-panel li[data-hub="hub-1"][data-role="active"]').getByText(/active \(this page’s hub\) · pid 1 on box · heard \d+\.\d s ago · 3 clients/).waitFor();
  await page.locator('#hubs-panel li[data-hub="hub-2"][data-role="standby"]').getByText(/standby · pid 2 on box · heard \d+\.\d s ago · 0 clients/).waitFor();
  expect(await page.locator('#hubs-panel').isVisible()).toBe(true);
  // Another hub's dashboard is a link away; this hub's own Stop reaches it (which, run in-process, cannot stop).
  expect(await page.locator('#hubs-panel li[data-hub="hub-2"] a').getAttribute('href')).toBe('http://localhost:3000/');
  await page.locator('#hubs-panel li[data-hub="hub-1"]').getByRole('button', { name: 'Stop this hub' }).click();
  await page.locator('#notice[data-kind="error"]').getByText('This hub cannot be stopped from its dashboard').waitFor();

  await redis.kill();
  await page.locator('#store[data-state="down"]').waitFor();
  expect(await store.textContent()).toMatch(/^redis store unavailable since \d\d:\d\d:\d\d\.\d{3}: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable \(.+\)$/);
  await screenshot(page, 'store-down');
  // The page itself stays connected to the hub: only the store is away.
  expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');

  await redis.restart();
  await page.locator('#store[data-state="up"]').getByText('redis store: up').waitFor();
});
