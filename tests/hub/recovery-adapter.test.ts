/**
 * What the hub keeps across a classroom client's quick reconnect (src/hub/recovery-adapter.ts):
 * its rooms and its role, through Socket.IO's connection state recovery, and nothing else. Lab
 * events carry exactly the lab's arguments (Socket.IO's own recovery adapter appends an offset to
 * each, which a python-socketio handler `def on_pickup(payload)` cannot take); our clients' sessions
 * are not kept at all.
 */
import type { Socket } from 'socket.io-client';
import type { Hub } from '../../src/hub/hub';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => {
  jest.restoreAllMocks();
  return t.cleanup();
});

const order = (id: string) => ({ store: 'acme-widgets', orderId: id, customer: 'Ada', address: '1 Engine Way' });
/** Long enough that no silent client is taken for a driver during a test: roles come from recovery. */
const NO_GUESS = { labDriverGuessMs: 3_600_000 };

/** Every event `socket` receives, with all its arguments. */
function received(socket: Socket): unknown[][] {
  const events: unknown[][] = [];
  socket.onAny((...args: unknown[]) => events.push(args));
  return events;
}

/** Drops `socket`'s connection as a network would, and resolves once it has reconnected. */
async function dropAndReconnect(socket: Socket): Promise<void> {
  const back = waitFor(socket, 'connect');
  socket.io.engine.close();
  await back;
}

it('sends a classroom client each lab event with exactly the lab arguments, by queue and by room', async () => {
  const hub = await t.hub(NO_GUESS);
  const driver = t.labClient(hub);
  const vendor = t.labClient(hub);
  const driverGot = received(driver);
  const vendorGot = received(vendor);
  driver.emit('getAll', { queueId: 'driver' });
  vendor.emit('join', 'acme-widgets');
  await Promise.all([waitFor(driver, 'connect'), waitFor(vendor, 'connect')]);
  const pickup = waitFor(driver, 'pickup');
  await rawVendor(t, hub, 'acme-widgets').timeout(5000).emitWithAck('pickup', order('o-1'));
  await pickup;
  const inTransit = waitFor(vendor, 'in-transit');
  driver.emit('in-transit', order('o-1'));
  await inTransit;
  expect(driverGot.filter(([name]) => name === 'pickup')).toEqual([['pickup', order('o-1')]]);
  expect(vendorGot.filter(([name]) => name === 'in-transit')).toEqual([['in-transit', order('o-1')]]);
});

it('keeps a classroom client its role and rooms across a quick reconnect, with the same id', async () => {
  const hub = await t.hub(NO_GUESS);
  const driver = t.labClient(hub);
  const vendor = t.labClient(hub);
  // With an ack only to know the hub has made them a driver and a vendor before they drop.
  await driver.timeout(5000).emitWithAck('getAll', { queueId: 'driver' });
  await vendor.timeout(5000).emitWithAck('join', { storeName: 'acme-widgets' });
  const [driverId, vendorId] = [driver.id, vendor.id];
  await Promise.all([dropAndReconnect(driver), dropAndReconnect(vendor)]);
  expect([driver.recovered, vendor.recovered, driver.id, vendor.id]).toEqual([true, true, driverId, vendorId]);

  // Neither says anything again: the driver is still sent pickups, the vendor (joined only) its room's relays.
  const pickup = waitFor(driver, 'pickup');
  const inTransit = waitFor(vendor, 'in-transit');
  await rawVendor(t, hub, 'acme-widgets').timeout(5000).emitWithAck('pickup', order('o-2'));
  expect((await pickup)[0]).toEqual(order('o-2'));
  driver.emit('in-transit', order('o-2')); // the driver that holds it reports it
  expect((await inTransit)[0]).toEqual(order('o-2'));
});

it('keeps nothing past the recovery window', async () => {
  const hub = await t.hub({ ...NO_GUESS, recoveryWindowMs: 60_000 });
  const vendor = t.labClient(hub);
  await vendor.timeout(5000).emitWithAck('join', 'acme-widgets');
  const id = vendor.id!;
  vendor.io.reconnection(false); // it comes back when the test says, not on its own timer
  vendor.io.engine.close();
  await until(hub.activity, ['session'], () => !hub.sessions.has(id), 'the hub has seen the vendor drop');
  // The hub's clock, moved past the window before the client comes back.
  const now = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => now() + 60_001);
  const back = waitFor(vendor, 'connect');
  vendor.connect();
  await back;
  expect(vendor.recovered).toBe(false);
  expect(sessionOf(hub, vendor).info().queues).toEqual([]);
});

it('keeps nothing for our clients, which say who they are on every connect', async () => {
  const hub = await t.hub(NO_GUESS);
  const driver = rawDriver(t, hub, 'driver-1');
  await waitFor(driver, 'connect');
  const id = driver.id;
  await dropAndReconnect(driver);
  expect(driver.recovered).toBe(false);
  expect(driver.id).not.toBe(id);
  expect(sessionOf(hub, driver).info()).toMatchObject({ clientId: 'driver-1', queues: ['driver'] });
});

function sessionOf(hub: Hub, socket: Socket) {
  const session = hub.sessions.get(socket.id!);
  if (!session) throw new Error(`no session for ${socket.id}`);
  return session;
}
