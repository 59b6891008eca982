/**
 * Our clients given several hubs (client/hub-link.ts): they connect to the first that answers, move
 * to the next when the one in use goes away, say so in one line, and stay where they are after a
 * disconnect of their own. Real hubs in this process, each with its own memory store: they share
 * nothing, which is enough for what the client does (the shared store is tested where it is built).
 */
import { freePort } from '../../src/cli/free-port';
import { openRemoteControl } from '../../src/client/remote-control';
import { attachDashboard, type Dashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import { CONTROL_NAMESPACE } from '../../src/protocol/dashboard';
import type { Envelope } from '../../src/protocol/envelope';
import { orderFactory } from '../../src/vendor/orders';
import { CapturingLogger, setup, silentLogger, testCredential, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('tries the hubs in turn until one answers, saying which could not be reached and why', async () => {
  const dead = [`http://localhost:${await freePort()}`, `http://localhost:${await freePort()}`];
  const hub = await t.hub();
  const log = new CapturingLogger();
  const vendor = t.vendor(hub, 'acme-widgets', { hubUrls: [...dead, hub.url], logger: log.logger });
  const envelope = await vendor.post();
  expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual([envelope.messageId]);

  const refused = 'connection refused (is the hub running?)';
  expect(log.lines.map((line) => line.msg)).toEqual([
    `VENDOR: queued locally ${envelope.order.orderId} for ${envelope.order.customer} (the hub is out of reach)`,
    `VENDOR: acme-widgets: hub ${dead[0]} unreachable: ${refused}; trying ${dead[1]} (1 order queued locally)`,
    `VENDOR: acme-widgets: hub ${dead[1]} unreachable: ${refused}; trying ${hub.url} (1 order queued locally)`,
    `VENDOR: acme-widgets connected to ${hub.url} (1 order queued locally)`,
    `VENDOR: posted ${envelope.order.orderId} for ${envelope.order.customer}`,
  ]);
});

it('moves a driver to the next hub when its hub closes, where it gets that hub’s pickups', async () => {
  const [a, b] = [await t.hub(), await t.hub()];
  const log = new CapturingLogger();
  const driver = t.driver(a, 'driver-1', { hubUrls: [a.url, b.url], logger: log.logger });
  await waitFor(driver, 'connected');
  expect(driver.link.url).toBe(a.url);
  // A vendor of hub B only: its order is for whichever driver B has.
  const vendor = t.vendor(b, 'acme-widgets');
  const order = await vendor.post();

  const thanked = waitFor<[Envelope]>(vendor, 'thanked');
  await a.close();
  expect((await log.line(/lost hub/)).msg).toBe(`DRIVER: driver-1: lost hub ${a.url} (transport close); trying ${b.url}`);
  const [delivered] = await waitFor<[Envelope]>(driver, 'delivered');
  expect(delivered.messageId).toBe(order.messageId);
  expect(driver.link.url).toBe(b.url);
  expect((await thanked)[0].messageId).toBe(order.messageId);
  expect(log.lines.filter((line) => /connected to/.test(line.msg)).map((line) => line.msg)).toEqual([
    `DRIVER: driver-1 connected to ${a.url}`,
    `DRIVER: driver-1 connected to ${b.url}`,
  ]);
});

it('goes round: from the last hub back to the first', async () => {
  const a = await t.hub();
  const port = await freePort();
  const b = `http://localhost:${port}`;
  const log = new CapturingLogger();
  const vendor = t.vendor(a, 'acme-widgets', { hubUrls: [b, a.url], logger: log.logger });
  await waitFor(vendor, 'connected');
  // The second hub in the list goes away; the first, which was down, is up by now.
  const first = await t.hub({ port });
  await a.close();
  await log.line(new RegExp(`lost hub ${a.url} \\(transport close\\); trying ${b}$`));
  await until(vendor, ['connected'], () => vendor.link.url === b && vendor.socket.connected, 'the vendor is connected to the first hub again');
  const envelope = await vendor.post();
  expect((await first.store.list('driver')).map((m) => m.messageId)).toEqual([envelope.messageId]);
});

it('stays with its hub after a disconnect of its own, and connects to it again', async () => {
  const [a, b] = [await t.hub(), await t.hub()];
  const log = new CapturingLogger();
  const vendor = t.vendor(a, 'acme-widgets', { hubUrls: [a.url, b.url], logger: log.logger });
  await waitFor(vendor, 'connected');
  const [[reason]] = await Promise.all([waitFor<[string]>(vendor, 'disconnected'), vendor.link.disconnect()]);
  expect(reason).toEqual('io client disconnect');
  expect(vendor.link.url).toBe(a.url);
  vendor.link.connect();
  await waitFor(vendor, 'connected');
  expect(vendor.link.url).toBe(a.url);
  expect([a.sessions.size, b.sessions.size]).toEqual([1, 0]);
  expect(log.lines.map((line) => line.msg).filter((msg) => /lost|unreachable|trying/.test(msg))).toEqual([]);
});

it('takes its remote control along: the dashboard of the hub it moved to can drive it', async () => {
  const [a, b] = [await t.hub(), await t.hub()];
  const dashboardOf = (hub: Hub): Dashboard => {
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    return dashboard;
  };
  const [atA, atB] = [dashboardOf(a), dashboardOf(b)];
  const orders = orderFactory();
  const vendor = t.vendor(a, 'acme-widgets', { hubUrls: [a.url, b.url], orders });
  const control = openRemoteControl({
    link: vendor.link,
    handshake: { clientId: 'vendor:acme-widgets', role: 'vendor', store: 'acme-widgets' },
    credential: testCredential,
    post: () => {
      const order = orders('acme-widgets');
      vendor.post(order).catch(() => undefined); // rejects only once the vendor is stopped
      return order.orderId;
    },
    logger: silentLogger,
  });
  t.defer(() => control.close());
  const controllable = (hub: Hub, dashboard: Dashboard) =>
    until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has('vendor:acme-widgets'), `the vendor is controllable at ${hub.url}`);
  await controllable(a, atA);
  expect(atB.remotes.has('vendor:acme-widgets')).toBe(false);

  await a.close();
  await controllable(b, atB);
  const posted = waitFor<[Envelope]>(vendor, 'posted');
  const answer = await atB.remotes.send('vendor:acme-widgets', 'post');
  const [envelope] = await posted;
  expect(answer).toEqual({ ok: true, messageId: envelope.messageId });
  expect((await b.store.list('driver')).map((m) => m.messageId)).toEqual([envelope.messageId]);
});
