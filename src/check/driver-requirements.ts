/**
 * What a student's driver must do, graded against the check's hub. The check plays the vendor:
 * in phase 3 it posts through the hub's queue; in phase 2 it sends the flat `pickup` straight to
 * the driver's socket, as a phase-2 hub relays it.
 */
import { DRIVER_QUEUE, envelopeSchema, flatOrderSchema, issuesOf, mentions, orderIdFor, queueNamed, type LabOrder, type Phase, type ReportEvent } from './lab-shapes';
import { expectReceived, madeUpOrder, mentioning, needs, restart, type ClientScenario } from './client-scenario';
import type { StudentEvent } from './check-hub-server';
import { Shortfall, type Requirement } from './requirement';

type DriverRequirement = Requirement<ClientScenario>;

const isDriverQueue = (payload: unknown) => queueNamed(payload)?.toLowerCase() === DRIVER_QUEUE;

const join: DriverRequirement = {
  id: 'join',
  title: 'asks getAll { queueId: "driver" } when it starts',
  async check(s) {
    const asked = await s.server.next('getAll', isDriverQueue, { timeoutMs: s.timeoutMs, what: "the driver never asked getAll { queueId: 'driver' }" });
    return `asked getAll ${JSON.stringify(asked.payload)}`;
  },
};

/** Gives the driver a pickup as the phase's hub would: relayed (2) or through the queue (3). */
async function givePickup(s: ClientScenario, order: LabOrder): Promise<void> {
  if (s.phase === 2) {
    (await s.server.socket(s.timeoutMs)).emit('pickup', { ...order });
    return;
  }
  const vendor = await s.probes.connect("the check's vendor");
  vendor.emit('join', order.store);
  vendor.emit('pickup', { event: 'pickup', messageId: order.orderId, queueId: DRIVER_QUEUE, order });
}

/** Waits for the driver's `event` about `order` (from connection `from` on) and checks its shape. */
async function report(s: ClientScenario, event: ReportEvent, order: LabOrder, from = 1): Promise<StudentEvent> {
  const got = await s.server.next(event, (p) => mentions(p, order.orderId), {
    from,
    timeoutMs: s.timeoutMs,
    what: `the driver never sent ${event} for ${order.orderId}`,
  });
  const schema = s.phase === 2 ? flatOrderSchema : envelopeSchema;
  const issues = issuesOf(schema, got.payload);
  if (orderIdFor(s.phase, got.payload) !== order.orderId) issues.push(s.phase === 2 ? 'payload.orderId is not the pickup\'s orderId' : 'messageId is not the pickup\'s messageId');
  if (issues.length > 0) throw new Shortfall(`${event} ${JSON.stringify(got.payload)}: ${issues.join('; ')}`);
  if (s.phase === 3 && event === 'delivered' && queueNamed(got.payload) !== order.store) {
    throw new Shortfall(`delivered names queue ${JSON.stringify(queueNamed(got.payload))}; it must be the store's, "${order.store}", so the vendor gets it`);
  }
  return got;
}

const post: DriverRequirement = {
  id: 'post',
  title: 'reports in-transit, then delivered, with the pickup\'s order',
  async check(s) {
    const order = madeUpOrder(s, `${s.run}-store`, 'order');
    s.store = order.store;
    s.order = { id: order.orderId, payload: order };
    await givePickup(s, order);
    const inTransit = await report(s, 'in-transit', order);
    const delivered = await report(s, 'delivered', order);
    if (s.server.events.indexOf(delivered) < s.server.events.indexOf(inTransit)) throw new Shortfall(`it sent delivered for ${order.orderId} before in-transit`);
    return `in-transit and delivered for ${order.orderId}, as ${s.phase === 2 ? 'flat orders' : 'envelopes'}`;
  },
};

const acknowledge: DriverRequirement = {
  id: 'acknowledge',
  title: 'acknowledges each pickup with received { queueId: "driver", messageId }',
  async check(s) {
    return expectReceived(s, 'driver', needs(s.order, 'a pickup it was given').id, DRIVER_QUEUE);
  },
};

const log: DriverRequirement = {
  id: 'log',
  title: 'logs "DRIVER: picked up <orderId>" and "DRIVER: delivered <orderId>"',
  async check(s) {
    const order = needs(s.order, 'a pickup it was given');
    const picked = await s.student.line(mentioning(/picked up/, order.id), s.timeoutMs, `the driver never logged "picked up ${order.id}"`);
    const delivered = await s.student.line(mentioning(/delivered/, order.id), s.timeoutMs, `the driver never logged "delivered ${order.id}"`);
    return `logged: ${picked.trim()} / ${delivered.trim()}`;
  },
};

const catchUp: DriverRequirement = {
  id: 'catchUp',
  title: 'after a restart, asks getAll and delivers what was posted while it was away',
  async check(s) {
    const store = needs(s.store, 'a first pickup');
    const missed = madeUpOrder(s, store, 'missed');
    const connection = await restart(s, () => givePickup(s, missed));
    await s.server.next('getAll', isDriverQueue, { from: connection, timeoutMs: s.timeoutMs, what: "the restarted driver never asked getAll { queueId: 'driver' }" });
    await report(s, 'delivered', missed, connection);
    return `the restarted driver delivered ${missed.orderId}, posted while it was away`;
  },
};

/** The requirements of a driver of each phase, in the order a run meets them. */
export function driverRequirements(phase: Phase): DriverRequirement[] {
  return phase === 2 ? [post, log] : [join, post, acknowledge, log, catchUp];
}
