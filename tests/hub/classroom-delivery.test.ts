/**
 * What a classroom client is sent (src/hub/classroom-delivery.ts, socket-consumer.ts): each message
 * in the shape its classroom producer sent it, by queue and by room, once per connection; our
 * clients get the envelope. And what it is told when it gets something wrong: a refused event, or
 * the root namespace instead of `/caps`.
 */
import { io, type Socket } from 'socket.io-client';
import type { Hub } from '../../src/hub/hub';
import type { Session } from '../../src/hub/session';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** A phase-2 order: flat, a numeric id, an extra field. */
const flat = { store: 'acme-widgets', orderId: 17, customer: 'Ada', address: '1 Engine Way', phone: '555' };
const NO_GUESS = { labDriverGuessMs: 3_600_000 };

/** A phase-2 vendor joins its store's room and posts `flat`; resolves, once a lab driver has it, to that driver. */
async function joinAndPost(hub: Hub, vendor: Socket): Promise<Socket> {
  await vendor.timeout(5000).emitWithAck('join', { storeName: 'acme-widgets' });
  const driver = t.labClient(hub);
  await driver.timeout(5000).emitWithAck('getAll', { queueId: 'driver' });
  const pickup = waitFor(driver, 'pickup');
  vendor.emit('pickup', flat);
  await pickup;
  return driver;
}

describe('what a classroom client is sent', () => {
  it('a phase-2 order reaches a phase-2 driver and vendor flat, and our clients as an envelope', async () => {
    const hub = await t.hub(NO_GUESS);
    const labDriver = t.labClient(hub);
    const labVendor = t.labClient(hub);
    const ourVendor = rawVendor(t, hub, 'acme-widgets');
    await labDriver.timeout(5000).emitWithAck('getAll', { queueId: 'driver' });
    await labVendor.timeout(5000).emitWithAck('join', 'acme-widgets');
    await ourVendor.timeout(5000).emitWithAck('join', 'acme-widgets');

    const pickup = waitFor(labDriver, 'pickup');
    labVendor.emit('pickup', flat);
    expect(await pickup).toEqual([flat]);

    // One relay, two kinds in the room: each gets its own shape.
    const labInTransit = waitFor(labVendor, 'in-transit');
    const ourInTransit = waitFor(ourVendor, 'in-transit');
    labDriver.emit('in-transit', flat);
    expect(await labInTransit).toEqual([flat]);
    const [envelope] = await ourInTransit;
    expect(envelope).toEqual({ event: 'in-transit', messageId: '17', queueId: 'acme-widgets', order: { store: 'acme-widgets', orderId: '17', customer: 'Ada', address: '1 Engine Way' } });
  });

  it('a lab vendor that never says received is sent its notice once; the queue keeps it and stops pushing', async () => {
    const hub = await t.hub({ ...NO_GUESS, delivery: { ackTimeoutMs: 20, maxAttempts: 3, suspectAfter: 3 } });
    const vendor = t.labClient(hub);
    const notices: unknown[] = [];
    vendor.on('delivered', (payload: unknown) => notices.push(payload));
    const driver = await joinAndPost(hub, vendor);
    let sends = 0;
    hub.broker.on('sent', (message) => void (message.queueId === 'acme-widgets' && sends++));
    // A phase-2 driver reports straight from the pickup it was sent.
    expect(await driver.timeout(5000).emitWithAck('delivered', flat)).toMatchObject({ ok: true });
    // Each ack timeout sends the notice again (the connection is sent it once); a vendor that never
    // acknowledges anything is no reason to dead-letter it, so after three it is a suspect instead.
    await waitFor(hub.broker, 'suspect');
    await vendor.timeout(5000).emitWithAck('received', { queueId: 'acme-widgets', messageId: 'none' }); // anything sent before has arrived
    expect([sends, notices]).toEqual([3, [flat]]);
    expect(hub.broker.snapshot().find((q) => q.queueId === 'acme-widgets')).toMatchObject({ depth: 1, dead: 0 });
  });

  it('a lab client that reconnects is sent again what it had not acknowledged', async () => {
    const hub = await t.hub(NO_GUESS);
    const driver = t.labClient(hub);
    await driver.timeout(5000).emitWithAck('getAll', { queueId: 'driver' });
    const first = waitFor(driver, 'pickup');
    t.labClient(hub).emit('pickup', flat);
    await first;
    const again = waitFor(driver, 'pickup');
    driver.io.engine.close();
    expect(await again).toEqual([flat]);
  });
});

describe('a classroom join only enters a room', () => {
  it('a phase-2 driver that joins a store and says nothing else is guessed a driver: it is sent the pickup, and its delivered reaches the vendor', async () => {
    const hub = await t.hub({ labDriverGuessMs: 50 });
    const driver = t.labClient(hub);
    const guessed = waitFor(hub.activity, 'session', (session: Session) => session.info().role === 'driver');
    await driver.timeout(5000).emitWithAck('join', 'acme-widgets');
    await guessed;
    const vendor = t.labClient(hub);
    const pickup = waitFor(driver, 'pickup');
    vendor.emit('pickup', flat);
    expect(await pickup).toEqual([flat]);
    const inTransit = waitFor(driver, 'in-transit');
    driver.emit('in-transit', flat);
    expect(await inTransit).toEqual([flat]); // the room's relay still reaches it
    const notice = waitFor(vendor, 'delivered');
    expect(await driver.timeout(5000).emitWithAck('delivered', flat)).toMatchObject({ ok: true });
    expect(await notice).toEqual([flat]);
  });

  it('a phase-2 vendor that joins, then posts, is sent its delivered notice and no pickup', async () => {
    const hub = await t.hub(NO_GUESS);
    const vendor = t.labClient(hub);
    const pickups: unknown[] = [];
    vendor.on('pickup', (payload: unknown) => pickups.push(payload));
    const driver = await joinAndPost(hub, vendor);
    const notice = waitFor(vendor, 'delivered');
    await driver.timeout(5000).emitWithAck('delivered', flat);
    expect(await notice).toEqual([flat]);
    expect(pickups).toEqual([]);
  });

  it('a joined-only driver that reconnects comes back a driver, not a vendor', async () => {
    const hub = await t.hub({ labDriverGuessMs: 50 });
    const driver = t.labClient(hub);
    const guessed = waitFor(hub.activity, 'session', (session: Session) => session.info().role === 'driver');
    await driver.timeout(5000).emitWithAck('join', 'acme-widgets');
    await guessed;
    const back = waitFor(driver, 'session', (info: { recovered: boolean }) => info.recovered);
    driver.io.engine.close();
    await back;
    const pickup = waitFor(driver, 'pickup');
    t.labClient(hub).emit('pickup', flat);
    expect(await pickup).toEqual([flat]);
    expect(hub.sessions.get(driver.id!)!.info()).toMatchObject({ role: 'driver', store: undefined, queues: ['driver'] });
  });
});

describe('what a classroom client is told', () => {
  it('a refused event is one refusal line, no EVENT line, and an error event for a client without an ack', async () => {
    const log = new CapturingLogger();
    const hub = await t.hub(NO_GUESS, log.logger);
    const client = t.labClient(hub);
    const error = waitFor(client, 'error');
    client.emit('pickup', { store: 'acme-widgets', customer: 'Ada' });
    const [answer] = await error;
    expect(answer).toMatchObject({ event: 'pickup', code: 'invalid_payload', message: expect.stringContaining('{ store, orderId, customer, address }') });
    const refusals = log.lines.filter((l) => /^refused pickup: /.test(l.msg));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.msg).toContain('[invalid_payload]');
    expect(log.lines.filter((l) => l.msg === 'EVENT')).toEqual([]);
  });

  it('our clients, which pass an ack, get the refusal there and no error event', async () => {
    const hub = await t.hub(NO_GUESS);
    const driver = rawDriver(t, hub, 'driver-1');
    const errors: unknown[] = [];
    driver.on('error' as never, (e: unknown) => void errors.push(e));
    const answer = await driver.timeout(5000).emitWithAck('pickup', { messageId: 'm', order: { store: 'acme-widgets', orderId: 'm', customer: 'Ada', address: '1 Way' } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await driver.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: 'none' });
    expect(errors).toEqual([]);
  });

  it('a client on the root namespace is told where CAPS lives, by ack and by error event', async () => {
    const hub = await t.hub();
    const root: Socket = io(hub.url, { transports: ['websocket'] });
    t.defer(() => root.disconnect());
    const error = waitFor(root, 'error');
    root.emit('pickup', flat);
    expect((await error)[0]).toMatchObject({ event: 'pickup', code: 'not_found', message: `CAPS lives at /caps: connect to ${hub.url}/caps, not to /` });
    expect(await root.timeout(5000).emitWithAck('join', 'acme-widgets')).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/^CAPS lives at \/caps/) } });
  });
});
