/**
 * Classroom clients, written as the course lab writes them (docs/protocol.md): no handshake,
 * emits before the connection exists, the lab's envelope, its spellings, and `getAll`/`received`
 * instead of acks. They must work against our hub unmodified, next to our own clients.
 */
import type { Socket } from 'socket.io-client';
import { setup, type TestContext } from '../helpers/setup';
import { collect, until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** A lab order, spelled as the lab's sample log spells it. */
const labEnvelope = (store: string, id: string) => ({
  event: 'pickup',
  messageId: id,
  queueId: store,
  order: { store, orderID: id, customer: 'Grace Hopper', address: '1 Compiler Lane' },
});

/** A lab vendor: JOIN and GET-ALL at start, echoes every delivery back as RECEIVED. */
function labVendor(socket: Socket, store: string): void {
  socket.emit('JOIN', store);
  socket.emit('GET-ALL', { clientId: store });
  socket.on('delivered', (payload: { messageId: string }) => socket.emit('RECEIVED', payload));
}

/** A lab driver: getAll at start; `received` first, then in-transit (still saying pickup) and delivered. */
function labDriver(socket: Socket): void {
  socket.emit('getAll', { queueId: 'DRIVER' });
  socket.on('pickup', (payload: ReturnType<typeof labEnvelope>) => {
    socket.emit('received', { queueId: 'driver', messageId: payload.messageId });
    socket.emit('In transit', payload);
    socket.emit('DELIVERED', { ...payload, event: 'delivered', queueId: payload.order.store });
  });
}

const depth = (t: { broker: { snapshot(): { queueId: string; depth: number }[] } }, queueId: string) =>
  t.broker.snapshot().find((q) => q.queueId === queueId)?.depth ?? 0;

describe('classroom clients', () => {
  it('deliver end to end: pickups wait for the driver, getAll replays them, received removes them', async () => {
    const hub = await t.hub();
    const vendor = t.labClient(hub);
    labVendor(vendor, 'acme-widgets'); // emitted before the connection exists
    const deliveries = collect<{ messageId: string; event: string; order: { orderId: string } }>(vendor, 'delivered', 2);
    vendor.emit('PICKUP', labEnvelope('acme-widgets', 'order-1'));
    vendor.emit('pickup', labEnvelope('acme-widgets', 'order-2'));
    await until(hub.broker, ['enqueued'], () => depth(hub, 'driver') === 2, 'two pickups wait for a driver');

    const driver = t.labClient(hub);
    const inTransit = collect(vendor, 'in-transit', 2);
    const pickups = collect<{ messageId: string; queueId: string }>(driver, 'pickup', 2);
    labDriver(driver);
    expect((await pickups).map((p) => [p.messageId, p.queueId])).toEqual([['order-1', 'driver'], ['order-2', 'driver']]);
    expect((await inTransit).length).toBe(2);
    const delivered = await deliveries;
    expect(delivered.map((d) => [d.messageId, d.event, d.order.orderId])).toEqual([
      ['order-1', 'delivered', 'order-1'],
      ['order-2', 'delivered', 'order-2'],
    ]);
    await until(hub.broker, ['acked'], () => depth(hub, 'driver') === 0 && depth(hub, 'acme-widgets') === 0, 'both queues are empty');
  });

  it('a lab vendor that was away gets what it missed from getAll', async () => {
    const hub = await t.hub();
    const first = t.labClient(hub);
    labVendor(first, 'acme-widgets');
    const posted = waitFor(hub.broker, 'enqueued');
    first.emit('pickup', labEnvelope('acme-widgets', 'missed-1'));
    await posted;
    first.disconnect();

    const driver = t.labClient(hub);
    labDriver(driver);
    await until(hub.broker, ['enqueued'], () => depth(hub, 'acme-widgets') === 1, 'the notice waits for the store');

    // A new vendor process for the same store: JOIN + GET-ALL, as at every lab start-up.
    const second = t.labClient(hub);
    const missed = waitFor<[{ messageId: string; event: string }]>(second, 'delivered');
    labVendor(second, 'acme-widgets');
    expect((await missed)[0]).toMatchObject({ messageId: 'missed-1', event: 'delivered' });
    await until(hub.broker, ['acked'], () => depth(hub, 'acme-widgets') === 0, 'RECEIVED removes it');
  });

  it('a lab driver serves our vendor, and our driver serves a lab vendor', async () => {
    const hub = await t.hub();
    const ours = t.vendor(hub, 'acme-widgets');
    const labDriverSocket = t.labClient(hub);
    labDriver(labDriverSocket);
    await waitFor(labDriverSocket, 'connect');
    const thanked = waitFor(ours, 'thanked');
    await ours.post();
    await thanked;

    labDriverSocket.disconnect();
    const labVendorSocket = t.labClient(hub);
    labVendor(labVendorSocket, '1-800-flowers');
    const notice = waitFor<[{ messageId: string }]>(labVendorSocket, 'delivered');
    labVendorSocket.emit('pickup', labEnvelope('1-800-flowers', 'roses'));
    t.driver(hub, 'driver-1');
    expect((await notice)[0].messageId).toBe('roses');
  });

  it('acknowledges with received a message that sits in two queues under one id, one queue at a time', async () => {
    const hub = await t.hub();
    const vendor = t.labClient(hub);
    labVendor(vendor, 'acme-widgets');
    vendor.emit('pickup', labEnvelope('acme-widgets', 'same-id'));
    // A driver that takes the pickup but never says `received` leaves it in the driver queue.
    const driver = t.labClient(hub);
    driver.emit('getAll', { queueId: 'driver' });
    const [pickup] = await waitFor<[ReturnType<typeof labEnvelope>]>(driver, 'pickup');
    const noticed = waitFor(vendor, 'delivered');
    driver.emit('delivered', { ...pickup, queueId: 'acme-widgets' });
    await noticed;
    // `delivered` completed the pickup; the notice is acknowledged by the vendor's RECEIVED.
    await until(hub.broker, ['acked'], () => depth(hub, 'driver') === 0 && depth(hub, 'acme-widgets') === 0, 'each queue lets go of its own entry');
  });

  it('a lab vendor whose connection drops keeps its room without a new join', async () => {
    const hub = await t.hub();
    const vendor = t.labClient(hub);
    labVendor(vendor, 'acme-widgets');
    await waitFor(vendor, 'connect');
    const joined = await vendor.timeout(5000).emitWithAck('received', { queueId: 'acme-widgets', messageId: 'nothing' });
    expect(joined).toEqual({ ok: true });
    const back = waitFor(vendor, 'connect');
    vendor.io.engine.close(); // the network drops; Socket.IO reconnects and recovers the session
    await back;
    expect(vendor.recovered).toBe(true);
    const inTransit = waitFor<[{ messageId: string }]>(vendor, 'in-transit');
    const driver = t.labClient(hub);
    driver.emit('in-transit', labEnvelope('acme-widgets', 'still-here'));
    expect((await inTransit)[0].messageId).toBe('still-here');
  });

  it('a lab driver that reconnects to a restarted hub is sent pickups again, without a new getAll', async () => {
    const first = await t.hub({ labDriverGuessMs: 50 });
    const port = first.port;
    const driver = t.labClient(first);
    labDriver(driver);
    await waitFor(driver, 'connect');
    const reconnected = waitFor(driver, 'connect');
    await first.close();
    const second = await t.hub({ port, labDriverGuessMs: 50 });
    await reconnected;
    const pickup = waitFor<[{ messageId: string }]>(driver, 'pickup');
    const vendor = t.labClient(second);
    labVendor(vendor, 'acme-widgets');
    vendor.emit('pickup', labEnvelope('acme-widgets', 'after-restart'));
    expect((await pickup)[0].messageId).toBe('after-restart');
  });
});
