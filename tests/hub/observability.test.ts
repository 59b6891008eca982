/** `/healthz` and the Prometheus metrics at `/metrics`, read from a real hub over HTTP. */
import { hostname } from 'node:os';
import { parseMetrics } from '../../src/simulator/hub-process';
import { rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/**
 * The value of one series in a Prometheus text page, e.g. `caps_queue_depth{queue="driver"}`, as
 * the hub labels it: label `hub` is added to those given.
 */
function sampler(hubId: string) {
  return (page: string, series: string): number | undefined => {
    const labelled = series.includes('{') ? series.replace('}', `,hub="${hubId}"}`) : `${series}{hub="${hubId}"}`;
    const line = page.split('\n').find((l) => l.startsWith(`${labelled} `));
    return line === undefined ? undefined : Number(line.slice(labelled.length + 1));
  };
}

it('answers /healthz, with the hub id', async () => {
  const hub = await t.hub();
  const response = await fetch(`${hub.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', hub: `${hostname()}:${hub.port}`, store: 'memory', clients: 0 });
  expect((await fetch(`${hub.url}/nope`)).status).toBe(404);
});

it('labels every metric with its hub: CAPS_HUB_ID, else <hostname>:<port>, each hub in one process its own', async () => {
  const named = await t.hub({ hubId: 'hub-a' });
  const unnamed = await t.hub();
  expect([named.id, unnamed.id]).toEqual(['hub-a', `${hostname()}:${unnamed.port}`]);
  for (const hub of [named, unnamed, named]) {
    const samples = parseMetrics(await (await fetch(`${hub.url}/metrics`)).text());
    // The process metrics and the hub's own, each sample labelled with this hub and no other.
    expect(samples.map((s) => s.name)).toEqual(expect.arrayContaining(['caps_process_resident_memory_bytes', 'caps_connected_clients', 'caps_suspect_consumers']));
    expect(samples.filter((s) => s.labels.hub !== hub.id)).toEqual([]);
    // One hub on an embedded store: no roster, so no count of hubs by role.
    expect(samples.filter((s) => s.name === 'caps_hubs')).toEqual([]);
  }
  expect((await (await fetch(`${named.url}/healthz`)).json()).hub).toBe('hub-a');
});

it('counts events, depths, in-flight, redeliveries, dead letters, ack latency and clients', async () => {
  // The vendor refuses every notice: each is redelivered once, then dead. Refusals rather than ack
  // timeouts, so that nothing here depends on how fast a loaded machine answers (the broker's
  // timeouts are tested with a fake clock in broker.test.ts).
  const hub = await t.hub({ delivery: { maxAttempts: 2 } });
  const sample = sampler(hub.id);
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
