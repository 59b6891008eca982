/**
 * What every hub requirement works with: the hub's `/caps` URL, the phase, the time it allows for
 * each answer, and names unique to this run, so that a hub's leftovers from an earlier check (or
 * from a class) never pass for an answer.
 */
import { randomBytes } from 'node:crypto';
import { DRIVER_QUEUE, labOrder, mentions, orderIdFor, pickupPayload, shapeProblem, type LabOrder, type Phase } from './lab-shapes';
import { Shortfall } from './requirement';
import type { Probe, Probes } from './probe';

export interface HubScenario {
  /** e.g. `http://localhost:3001/caps` */
  url: string;
  phase: Phase;
  timeoutMs: number;
  /** A store name unique to this run, e.g. `check-3fa9c1-a`. */
  store(tag: string): string;
  /** An order for `store`, with an id unique to this run. */
  order(store: string): LabOrder;
}

export function hubScenario(url: string, phase: Phase, timeoutMs: number): HubScenario {
  const run = `check-${randomBytes(3).toString('hex')}`;
  let next = 0;
  return {
    url,
    phase,
    timeoutMs,
    store: (tag) => `${run}-${tag}`,
    order: (store) => labOrder(store, `${run}-${++next}`),
  };
}

/** A vendor probe of `store`: connected, then `join`ed (and, with `getAll`, asking for its queue). */
export async function vendorProbe(probes: Probes, store: string, options: { getAll?: boolean } = {}): Promise<Probe> {
  const vendor = await probes.connect(`the vendor of ${store}`);
  vendor.emit('join', store);
  if (options.getAll) vendor.emit('getAll', { queueId: store });
  return vendor;
}

/**
 * A driver probe, announced as the phase's drivers do: phase 3 asks for the driver queue; phase 2
 * joins `store`'s room (some phase-2 hubs send a pickup to the store's room only).
 */
export async function driverProbe(probes: Probes, s: HubScenario, store: string, name = 'the driver'): Promise<Probe> {
  const driver = await probes.connect(name);
  if (s.phase === 3) driver.emit('getAll', { queueId: DRIVER_QUEUE });
  else driver.emit('join', store);
  return driver;
}

/**
 * Waits for `event` about `order` on `probe`, and checks that a client of the phase can read it.
 * Resolves with its index in `probe.received`.
 */
export async function expectEvent(probe: Probe, s: HubScenario, event: string, order: LabOrder, why: string): Promise<number> {
  const index = await probe.next(event, (p) => mentions(p, order.orderId), `${event} for ${order.orderId} ${why}`);
  const payload = probe.received[index]!.payload;
  if (orderIdFor(s.phase, payload) !== order.orderId) {
    throw new Shortfall(`${probe.name} got ${event} for ${order.orderId}, but ${shapeProblem(s.phase, payload, order.orderId)}`);
  }
  return index;
}

/** Fails if `probe` received anything about `order` among its first `count` events. */
export function expectNothingAbout(probe: Probe, count: number, order: LabOrder, why: string): void {
  const leaked = probe.received.slice(0, count).find((r) => mentions(r.payload, order.orderId));
  if (leaked) throw new Shortfall(`${probe.name} also got ${leaked.event} for ${order.orderId}: ${why}`);
}

/**
 * Has `driver` hold a pickup for each of `orders` before it reports them, as a phase-3 lab driver
 * does: a poster posts them and leaves, and the driver asks `getAll` and says `received` for each.
 * A hub that checks who holds a pickup (CAPS does) refuses a report of a pickup nobody posted.
 */
export async function takePickups(probes: Probes, s: HubScenario, driver: Probe, orders: LabOrder[]): Promise<void> {
  const poster = await probes.connect('a vendor posting the orders');
  for (const order of orders) poster.emit('pickup', pickupPayload(s.phase, order));
  driver.emit('getAll', { queueId: DRIVER_QUEUE });
  for (const order of orders) {
    await expectEvent(driver, s, 'pickup', order, 'posted for this scenario');
    driver.emit('received', { queueId: DRIVER_QUEUE, messageId: order.orderId });
  }
  await poster.close();
}

/**
 * One vendor per order, of that order's store, once `driver` holds every order, so that it may
 * report them (see `takePickups`). Each vendor starts after the pickups before its own were sent,
 * since a lab hub sends pickups to everyone, and hears none of them:
 * - phase 3: the driver takes them all first (`takePickups`), then each vendor asks `getAll` for its
 *   store's queue at start-up, as phase-3 vendors do;
 * - phase 2, which has no queue: the driver, listening in the stores' rooms (as `driverProbe` joins
 *   one), is handed each order as its vendor joins and posts it, as phase-2 vendors do. The driver
 *   reports the order as the check knows it, so a hub that relays the pickup in another shape fails
 *   `relay`, not this.
 */
export async function vendorsOfTakenOrders<T extends LabOrder[]>(probes: Probes, s: HubScenario, driver: Probe, orders: [...T]): Promise<{ [K in keyof T]: Probe }> {
  const vendors: Probe[] = [];
  if (s.phase === 3) {
    await takePickups(probes, s, driver, orders);
    for (const order of orders) vendors.push(await vendorProbe(probes, order.store, { getAll: true }));
    // The joins carry no answer to wait for: one more handshake gives the hub the same time to take
    // them as the driver's own connection did when it came after the vendors.
    await probes.connect('a late client');
    return vendors as { [K in keyof T]: Probe };
  }
  for (const store of new Set(orders.map((o) => o.store))) driver.emit('join', store);
  for (const order of orders) {
    const vendor = await vendorProbe(probes, order.store);
    // After its join on the same connection: a hub that relays the pickup has taken the join too.
    vendor.emit('pickup', pickupPayload(s.phase, order));
    await driver.next('pickup', (p) => mentions(p, order.orderId), `pickup for ${order.orderId} posted by ${vendor.name}`);
    vendors.push(vendor);
  }
  // One vendor per order, in order, which the array's type cannot say.
  return vendors as { [K in keyof T]: Probe };
}
