/**
 * Routing through a real hub with our own clients: pickups reach drivers only, each store hears
 * only its own traffic, and missed messages arrive on reconnect.
 */
import type { Hub } from '../../src/hub/hub';
import type { Envelope } from '../../src/protocol/envelope';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { collect, expectNo, until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const connected = (client: { socket: { connected: boolean } } & { on(e: 'connected', l: () => void): unknown }) =>
  client.socket.connected ? Promise.resolve() : waitFor(client as never, 'connected');

describe('routing', () => {
  it('sends pickups to drivers only, and the delivery to the right store only', async () => {
    const hub = await t.hub();
    const acme = t.vendor(hub, 'acme-widgets');
    const flowers = t.vendor(hub, '1-800-flowers');
    const driver = t.driver(hub, 'driver-1');
    await Promise.all([connected(acme), connected(flowers), connected(driver)]);

    // Vendors are never sent pickups; 1-800-flowers hears nothing of acme's order.
    await expectNo(flowers.socket, 'pickup', async () => {
      await expectNo(flowers.socket, 'in-transit', async () => {
        await expectNo(flowers, 'thanked', async () => {
          const thanked = waitFor<[Envelope]>(acme, 'thanked');
          const inTransit = waitFor<[Envelope]>(acme.socket, 'in-transit');
          const pickup = waitFor<[Envelope]>(driver, 'picked');
          const posted = await acme.post();
          const [picked] = await pickup;
          expect(picked.messageId).toBe(posted.messageId);
          expect((await inTransit)[0]).toMatchObject({ event: 'in-transit', driver: 'driver-1', queueId: 'acme-widgets' });
          expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
        });
      });
    });
    // The vendor's ack of the notice empties the last queue.
    await until(hub.broker, ['acked'], () => hub.broker.snapshot().every((q) => q.depth === 0), 'every queue is empty');
  });

  it('shares pickups between drivers, each package to one driver', async () => {
    const hub = await t.hub();
    const vendor = t.vendor(hub, 'acme-widgets');
    const drivers = [t.driver(hub, 'driver-1', { delayMs: 20 }), t.driver(hub, 'driver-2', { delayMs: 20 })];
    await Promise.all(drivers.map(connected));
    const pickedBy = new Map<string, string[]>();
    for (const d of drivers) d.on('picked', (e) => pickedBy.set(e.messageId, [...(pickedBy.get(e.messageId) ?? []), d.socket.id!]));
    const thanks = collect<Envelope>(vendor, 'thanked', 20);
    await Promise.all(Array.from({ length: 20 }, () => vendor.post()));
    expect(new Set((await thanks).map((e) => e.messageId)).size).toBe(20);
    expect([...pickedBy.values()].every((ids) => ids.length === 1)).toBe(true);
    expect(new Set([...pickedBy.values()].flat()).size).toBe(2); // both drivers worked
  });

  it('holds pickups while no driver is connected, then delivers them all in order', async () => {
    const hub = await t.hub();
    const vendor = t.vendor(hub, 'acme-widgets');
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) posted.push((await vendor.post()).messageId);
    expect(hub.broker.snapshot().find((q) => q.queueId === 'driver')?.depth).toBe(5);
    const driver = t.driver(hub, 'driver-1', { prefetch: 1 });
    const picked = await collect<Envelope>(driver, 'picked', 5);
    expect(picked.map((e) => e.messageId)).toEqual(posted);
  });

  it('keeps a store’s notices while its vendor is away, and sends them when it comes back', async () => {
    const hub = await t.hub();
    const vendor = t.vendor(hub, 'acme-widgets');
    const posted: string[] = [];
    for (let i = 0; i < 3; i++) posted.push((await vendor.post()).messageId);
    const away = waitFor(vendor, 'disconnected');
    vendor.socket.disconnect();
    await away;
    const driver = t.driver(hub, 'driver-1');
    await collect<Envelope>(driver, 'delivered', 3);
    const storeQueue = () => hub.broker.snapshot().find((q) => q.queueId === 'acme-widgets');
    await until(hub.broker, ['enqueued'], () => storeQueue()?.depth === 3, 'three notices wait');
    const thanks = collect<Envelope>(vendor, 'thanked', 3);
    vendor.socket.connect();
    expect((await thanks).map((e) => e.messageId)).toEqual(posted);
    await until(hub.broker, ['acked'], () => storeQueue()?.depth === 0, 'the store queue drains');
  });
});

describe('prefetch', () => {
  const inFlight = (hub: Hub, queueId: string) => hub.broker.snapshot().find((q) => q.queueId === queueId)?.inFlight;
  const envelope = (event: 'pickup' | 'delivered', queueId: string, id: string): Envelope => ({
    event,
    queueId,
    messageId: id,
    order: { store: 'acme-widgets', orderId: id, customer: 'Ada', address: '1 Engine Way' },
  });

  it('caps what a driver holds at PREFETCH and what a vendor holds at VENDOR_PREFETCH', async () => {
    const hub = await t.hub({ delivery: { prefetch: 2, vendorPrefetch: 3 } });
    for (let i = 0; i < 6; i++) {
      await hub.broker.publish(envelope('pickup', 'driver', `p${i}`), 'driver');
      await hub.broker.publish(envelope('delivered', 'acme-widgets', `n${i}`), 'acme-widgets');
    }
    // Neither answers, so each holds what it was sent: all of it, up to its cap, in one dispatch.
    await collect(rawDriver(t, hub, 'driver-1'), 'pickup', 2);
    expect(inFlight(hub, 'driver')).toBe(2);
    await collect(rawVendor(t, hub, 'acme-widgets'), 'delivered', 3);
    expect(inFlight(hub, 'acme-widgets')).toBe(3);
  });
});
