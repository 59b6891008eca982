/**
 * What a student's vendor must do, graded against the check's hub. The check plays the driver:
 * in phase 3 through the hub's queue (a probe that asks `getAll` and answers as a lab driver); in
 * phase 2 as a phase-2 hub relays, sending the flat `delivered` straight to the vendor's socket.
 */
import { DRIVER_QUEUE, envelopeMessageId, flatOrderId, issuesOf, joinedStore, mentions, pickupSchemaFor, queueNamed, type Phase } from './lab-shapes';
import { expectReceived, madeUpOrder, mentioning, needs, restart, type ClientScenario } from './client-scenario';
import { Shortfall, type Requirement } from './requirement';

type VendorRequirement = Requirement<ClientScenario>;

const THANKS = /thank/;

const join: VendorRequirement = {
  id: 'join',
  title: "joins its store's room",
  async check(s) {
    const joined = await s.server.next('join', () => true, { timeoutMs: s.timeoutMs, what: 'the vendor never sent join' });
    const store = joinedStore(joined.payload);
    if (store === undefined) throw new Shortfall(`join carried ${JSON.stringify(joined.payload)}: send the store name, or { storeName }`);
    s.store = store;
    return `joined ${JSON.stringify(joined.payload)}`;
  },
};

/** The store an order names, in either phase's shape. */
function storeOf(payload: unknown): unknown {
  const p = payload as { store?: unknown; order?: { store?: unknown } } | null;
  return p?.order?.store ?? p?.store;
}

const post: VendorRequirement = {
  id: 'post',
  title: 'posts well-formed orders',
  async check(s) {
    const store = needs(s.store, 'the store it joined');
    const posted = await s.server.next('pickup', () => true, { timeoutMs: s.timeoutMs, what: 'the vendor never posted a pickup' });
    const issues = issuesOf(pickupSchemaFor(s.phase), posted.payload);
    const shape = s.phase === 2 ? '{ store, orderId, customer, address }' : '{ event, messageId, queueId, order: { store, orderId, customer, address } }';
    if (issues.length > 0) throw new Shortfall(`pickup ${JSON.stringify(posted.payload)} is not ${shape}: ${issues.join('; ')}`);
    if (storeOf(posted.payload) !== store) throw new Shortfall(`it joined "${store}" but posted an order for ${JSON.stringify(storeOf(posted.payload))}`);
    const id = s.phase === 2 ? flatOrderId(posted.payload) : envelopeMessageId(posted.payload);
    s.order = { id: id!, payload: posted.payload };
    return `posted order ${id} for ${store}`;
  },
};

/** Delivers `payload` to the vendor as the phase's hub would: relayed (2) or through the queue (3). */
async function deliver(s: ClientScenario, id: string, payload: unknown): Promise<void> {
  if (s.phase === 2) {
    (await s.server.socket(s.timeoutMs)).emit('delivered', payload);
    return;
  }
  const driver = await s.probes.connect('the check\'s driver');
  driver.emit('getAll', { queueId: DRIVER_QUEUE });
  await driver.next('pickup', (p) => mentions(p, id), `pickup ${id} from the hub`);
  driver.emit('received', { queueId: DRIVER_QUEUE, messageId: id });
  driver.emit('delivered', { ...(payload as object), event: 'delivered', queueId: storeOf(payload) });
}

const log: VendorRequirement = {
  id: 'log',
  title: 'logs "Thank you" for a delivered order',
  async check(s) {
    const order = needs(s.order, 'a posted order');
    await deliver(s, order.id, order.payload);
    const posted = (s.phase === 2 ? order.payload : (order.payload as { order: unknown }).order) as { customer?: unknown };
    const customer = String(posted.customer);
    const line = await s.student.line(mentioning(THANKS, order.id, customer), s.timeoutMs, `the vendor never logged "Thank you" for order ${order.id}`);
    return `logged: ${line.trim()}`;
  },
};

const acknowledge: VendorRequirement = {
  id: 'acknowledge',
  title: 'acknowledges each delivered with received { queueId: store, messageId }',
  async check(s) {
    return expectReceived(s, 'vendor', needs(s.order, 'a delivered order').id, needs(s.store, 'the store it joined'));
  },
};

const catchUp: VendorRequirement = {
  id: 'catchUp',
  title: 'after a restart, asks getAll and thanks for what was delivered while it was away',
  async check(s) {
    const store = needs(s.store, 'the store it joined');
    const missed = madeUpOrder(s, store, 'missed');
    const connection = await restart(s, async () => {
      // The check's own hub records a delivery while the vendor is away: its notice is queued for
      // the store, as a driver's delivered of a real pickup would queue it.
      const notice = { event: 'delivered' as const, messageId: missed.orderId, queueId: store, order: missed };
      const outcome = await s.server.hub.broker.publish(notice, store);
      if (outcome.status !== 'stored') throw new Shortfall(`the check could not queue a notice for ${missed.orderId} (${outcome.status})`);
    });
    const asked = await s.server.next('getAll', (p) => queueNamed(p) === store, { from: connection, timeoutMs: s.timeoutMs, what: `the restarted vendor never asked getAll { queueId: '${store}' }` });
    const line = await s.student.line(mentioning(THANKS, missed.orderId, missed.customer), s.timeoutMs, `the restarted vendor never logged "Thank you" for ${missed.orderId}, delivered while it was away`);
    return `asked getAll ${JSON.stringify(asked.payload)}, then logged: ${line.trim()}`;
  },
};

/** The requirements of a vendor of each phase, in the order a run meets them. */
export function vendorRequirements(phase: Phase): VendorRequirement[] {
  return phase === 2 ? [join, post, log] : [join, post, log, acknowledge, catchUp];
}
