/**
 * The lab's scenarios against a hub, one requirement each. Every scenario opens its own probes
 * (classroom-style clients) and closes them, so one failure does not spill into the next.
 *
 * Sockets are ordered only within one connection, so a scenario that needs the hub to have seen
 * one client's event before another client acts opens that other client afterwards.
 */
import { DRIVER_QUEUE, reportPayload, pickupPayload, type Phase } from './lab-shapes';
import { Probes } from './probe';
import { Shortfall, type Requirement } from './requirement';
import { driverProbe, expectEvent, expectNothingAbout, takePickups, vendorProbe, vendorsOfTakenOrders, type HubScenario } from './hub-scenario';

type HubRequirement = Requirement<HubScenario>;

/** Runs `body` with a fresh set of probes, all closed afterwards. */
async function withProbes<T>(s: HubScenario, body: (probes: Probes) => Promise<T>): Promise<T> {
  const probes = new Probes(s.url, s.timeoutMs);
  try {
    return await body(probes);
  } finally {
    await probes.closeAll();
  }
}

const namespace: HubRequirement = {
  id: 'namespace',
  title: 'serves the /caps namespace',
  check: (s) =>
    withProbes(s, async (probes) => {
      await probes.connect('a client of /caps');
      return `a client connected to ${s.url}`;
    }),
};

const relay: HubRequirement = {
  id: 'relay',
  title: "relays a vendor's pickup to a driver as sent",
  check: (s) =>
    withProbes(s, async (probes) => {
      const store = s.store('relay');
      const driver = await driverProbe(probes, s, store);
      const vendor = await vendorProbe(probes, store);
      const order = s.order(store);
      vendor.emit('pickup', pickupPayload(s.phase, order));
      const index = await expectEvent(driver, s, 'pickup', order, 'relayed from the vendor');
      const got = driver.received[index]!.payload as Record<string, unknown>;
      const customer = s.phase === 2 ? got.customer : (got.order as Record<string, unknown> | undefined)?.customer;
      if (customer !== order.customer) throw new Shortfall(`the driver got pickup ${order.orderId} without its customer (${JSON.stringify(got)})`);
      if (s.phase === 3) driver.emit('received', { queueId: DRIVER_QUEUE, messageId: order.orderId });
      return `the driver got pickup ${order.orderId} as the vendor sent it`;
    }),
};

const rooms: HubRequirement = {
  id: 'rooms',
  title: "sends a store's in-transit and delivered to that store's room only",
  check: (s) =>
    withProbes(s, async (probes) => {
      const [storeA, storeB] = [s.store('a'), s.store('b')];
      const driver = await probes.connect('the driver');
      const [orderA, orderB] = [s.order(storeA), s.order(storeB)];
      const [vendorA, vendorB] = await vendorsOfTakenOrders(probes, s, driver, [orderA, orderB]);
      driver.emit('in-transit', reportPayload(s.phase, 'in-transit', orderA));
      driver.emit('delivered', reportPayload(s.phase, 'delivered', orderA));
      driver.emit('delivered', reportPayload(s.phase, 'delivered', orderB));
      await expectEvent(vendorA, s, 'in-transit', orderA, 'after joining its room');
      await expectEvent(vendorA, s, 'delivered', orderA, 'after joining its room');
      // The hub handles the driver's events in order: whatever it sent B about A came before B's own.
      const own = await expectEvent(vendorB, s, 'delivered', orderB, 'after joining its room');
      expectNothingAbout(vendorB, own + 1, orderA, `another store's events must go to that store's room only`);
      if (s.phase === 3) for (const [vendor, order] of [[vendorA, orderA], [vendorB, orderB]] as const) vendor.emit('received', { queueId: order.store, messageId: order.orderId });
      return `${storeA}'s vendor got its in-transit and delivered; ${storeB}'s vendor got only its own`;
    }),
};

const getAll: HubRequirement = {
  id: 'getAll',
  title: 'getAll { queueId: "driver" } sends pickups posted while no driver was connected',
  check: (s) =>
    withProbes(s, async (probes) => {
      const store = s.store('getall');
      const vendor = await vendorProbe(probes, store);
      const order = s.order(store);
      vendor.emit('pickup', pickupPayload(s.phase, order));
      const driver = await driverProbe(probes, s, store, 'a driver that starts later');
      await expectEvent(driver, s, 'pickup', order, 'in answer to its getAll');
      driver.emit('received', { queueId: DRIVER_QUEUE, messageId: order.orderId });
      return `a driver that started later got pickup ${order.orderId} through getAll`;
    }),
};

const queue: HubRequirement = {
  id: 'queue',
  title: 'keeps a queue per store: a vendor gets its own delivered notices, not another store\'s',
  check: (s) =>
    withProbes(s, async (probes) => {
      const [storeA, storeB] = [s.store('qa'), s.store('qb')];
      const driver = await probes.connect('the driver');
      const [orderA, orderB] = [s.order(storeA), s.order(storeB)];
      await takePickups(probes, s, driver, [orderA, orderB]);
      driver.emit('delivered', reportPayload(s.phase, 'delivered', orderA));
      driver.emit('delivered', reportPayload(s.phase, 'delivered', orderB));
      // Both vendors start after the deliveries, so only their queues can hold them.
      const vendorB = await vendorProbe(probes, storeB, { getAll: true });
      const own = await expectEvent(vendorB, s, 'delivered', orderB, 'queued while it was away');
      expectNothingAbout(vendorB, own + 1, orderA, `its getAll must answer from its own store's queue only`);
      const vendorA = await vendorProbe(probes, storeA, { getAll: true });
      await expectEvent(vendorA, s, 'delivered', orderA, 'queued while it was away');
      for (const [vendor, order] of [[vendorA, orderA], [vendorB, orderB]] as const) vendor.emit('received', { queueId: order.store, messageId: order.orderId });
      return `each vendor's getAll answered its own store's notice`;
    }),
};

const received: HubRequirement = {
  id: 'received',
  title: 'received { queueId, messageId } removes the message from its queue',
  check: (s) =>
    withProbes(s, async (probes) => {
      const store = s.store('received');
      const vendor = await vendorProbe(probes, store);
      const [done, later] = [s.order(store), s.order(store)];
      vendor.emit('pickup', pickupPayload(s.phase, done));
      const first = await driverProbe(probes, s, store, 'a first driver');
      await expectEvent(first, s, 'pickup', done, 'in answer to its getAll');
      first.emit('received', { queueId: DRIVER_QUEUE, messageId: done.orderId });
      await first.close();
      vendor.emit('pickup', pickupPayload(s.phase, later));
      const second = await driverProbe(probes, s, store, 'a second driver');
      // A queue replays in order: had the acknowledged pickup stayed, it would come first.
      const index = await expectEvent(second, s, 'pickup', later, 'in answer to its getAll');
      expectNothingAbout(second, index + 1, done, `pickup ${done.orderId} was acknowledged with received, and should have left the queue`);
      second.emit('received', { queueId: DRIVER_QUEUE, messageId: later.orderId });
      return `pickup ${done.orderId} was gone after received; ${later.orderId} was still there`;
    }),
};

const catchUp: HubRequirement = {
  id: 'catchUp',
  title: 'a restarted client catches up: unacknowledged pickups and missed notices come back',
  check: (s) =>
    withProbes(s, async (probes) => {
      const store = s.store('restart');
      const vendor = await vendorProbe(probes, store, { getAll: true });
      const driver = await driverProbe(probes, s, store, 'the driver');
      const order = s.order(store);
      vendor.emit('pickup', pickupPayload(s.phase, order));
      await expectEvent(driver, s, 'pickup', order, 'before it restarts');
      // Both stop before acknowledging anything, as a process killed mid-work does.
      await Promise.all([vendor.close(), driver.close()]);
      const again = await driverProbe(probes, s, store, 'the restarted driver');
      await expectEvent(again, s, 'pickup', order, 'that it never acknowledged before its restart');
      again.emit('received', { queueId: DRIVER_QUEUE, messageId: order.orderId });
      again.emit('delivered', reportPayload(s.phase, 'delivered', order));
      await again.close();
      const vendorAgain = await vendorProbe(probes, store, { getAll: true });
      await expectEvent(vendorAgain, s, 'delivered', order, 'delivered while it was away');
      vendorAgain.emit('received', { queueId: store, messageId: order.orderId });
      return `the restarted driver got pickup ${order.orderId} again; the restarted vendor got its delivered`;
    }),
};

/** The requirements of each phase, in the order the lab meets them. */
export function hubRequirements(phase: Phase): HubRequirement[] {
  return phase === 2 ? [namespace, relay, rooms] : [namespace, relay, rooms, getAll, queue, received, catchUp];
}
