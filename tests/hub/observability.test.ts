/** `/healthz` and the Prometheus metrics at `/metrics`, read from a real hub over HTTP. */
import { rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** The value of one series in a Prometheus text page, e.g. `caps_queue_depth{queue="driver"}`. */
function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('answers /healthz', async () => {
  const hub = await t.hub();
  const response = await fetch(`${hub.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', store: 'memory', clients: 0 });
  expect((await fetch(`${hub.url}/nope`)).status).toBe(404);
});

it('counts events, depths, in-flight, redeliveries, dead letters, ack latency and clients', async () => {
  // The vendor refuses every notice: each is redelivered once, then dead. Refusals rather than ack
  // timeouts, so that nothing here depends on how fast a loaded machine answers (the broker's
  // timeouts are tested with a fake clock in broker.test.ts).
  const hub = await t.hub({ delivery: { maxAttempts: 2 } });
  const vendor = rawVendor(t, hub, 'acme-widgets');
  vendor.on('delivered', (_notice, ack) => ack({ ok: false, retry: true }));
  const order = (id: string) => ({ event: 'pickup' as const, messageId: id, queueId: 'driver', order: { store: 'acme-widgets', orderId: id, customer: 'Ada', address: '1 Way' } });
  await vendor.timeout(5000).emitWithAck('pickup', order('a'));
  await vendor.timeout(5000).emitWithAck('pickup', order('b'));
  let page = await (await fetch(`${hub.url}/metrics`)).text();
  expect(sample(page, 'caps_events_total{event="pickup"}')).toBe(2);
  expect(sample(page, 'caps_queue_depth{queue="driver"}')).toBe(2);
  expect(sample(page, 'caps_connected_clients{role="vendor"}')).toBe(1);

  const dead = until(hub.broker, ['dead'], () => hub.broker.snapshot().find((q) => q.queueId === 'acme-widgets')?.dead === 2, 'both notices are dead');
  const driver = t.driver(hub, 'driver-1');
  await waitFor(driver, 'connected');
  page = await (await fetch(`${hub.url}/metrics`)).text();
  expect(sample(page, 'caps_connected_clients{role="driver"}')).toBe(1);
  await dead;
  page = await (await fetch(`${hub.url}/metrics`)).text();
  expect(sample(page, 'caps_queue_depth{queue="driver"}')).toBe(0);
  expect(sample(page, 'caps_queue_dead{queue="acme-widgets"}')).toBe(2);
  expect(sample(page, 'caps_dead_letters_total{queue="acme-widgets"}')).toBe(2);
  expect(sample(page, 'caps_redeliveries_total{queue="acme-widgets",reason="nack"}')).toBe(2);
  expect(sample(page, 'caps_ack_latency_seconds_count')).toBe(2); // the two completed pickups
  expect(sample(page, 'caps_events_total{event="claim"}')).toBe(2);
  // A client's made-up event names are counted under one label, not one series each.
  const stranger = t.labClient(hub);
  await stranger.timeout(5000).emitWithAck('made-up-1', {});
  await stranger.timeout(5000).emitWithAck('made-up-2', {});
  page = await (await fetch(`${hub.url}/metrics`)).text();
  expect(sample(page, 'caps_events_total{event="unknown"}')).toBe(2);
  expect(page).not.toMatch(/made-up/);
});
