/**
 * The identity attacks of issue 10, each against a real hub with real sockets: what the attacker
 * saw, and that the victim still got everything. Callers from another machine are in
 * remote-callers.test.ts; these are on this machine, where anonymous clients are let in.
 */
import type { Socket } from 'socket.io-client';
import { issueToken } from '../../src/auth/token';
import type { Hub } from '../../src/hub/hub';
import type { Session } from '../../src/hub/session';
import type { Envelope, Order } from '../../src/protocol/envelope';
import { CAPS_PROTOCOL } from '../../src/protocol/handshake';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import { CONTROL_NAMESPACE } from '../../src/protocol/dashboard';
import { controllableVendor } from '../dashboard/demo-clients';
import { attempt } from './attempt';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { RECOVERY_OFFSET } from '../../src/hub/recovery-adapter';

const key = new TextEncoder().encode(TEST_SECRET);
const STORE = 'acme-widgets';
const order = (orderId: string, store = STORE): Order => ({ store, orderId, customer: 'Ada Lovelace', address: '12 Analytical Way' });
const pickupOf = (o: Order): Envelope => ({ event: 'pickup', messageId: o.orderId, queueId: 'driver', order: o });
const report = (event: 'in-transit' | 'delivered', o: Order, driver: string): Envelope => ({ event, messageId: o.orderId, queueId: o.store, order: o, driver });

let t: TestContext;
let hub: Hub;
beforeEach(async () => {
  t = await setup();
  hub = await t.hub();
});
afterEach(() => t.cleanup());

/** A real vendor that posts `o` and resolves with the notice it thanked for. */
async function victimVendorDelivery(o: Order, driverName = 'honest-driver'): Promise<Envelope> {
  const vendor = t.vendor(hub, o.store);
  const thanked = waitFor<[Envelope]>(vendor, 'thanked', (e) => e.messageId === o.orderId);
  t.driver(hub, driverName);
  await vendor.post(o);
  return (await thanked)[0];
}

/** Collects every event `socket` receives. */
function recorder(socket: Socket | ReturnType<typeof rawDriver>): string[] {
  const seen: string[] = [];
  (socket as Socket).onAny((event: string, payload: { messageId?: string }) => seen.push(`${event} ${payload?.messageId ?? ''}`.trim()));
  return seen;
}

describe('role claims without a token', () => {
  it('are refused at connect, and the vendor and driver they name keep working', async () => {
    const claims = [
      { caps: CAPS_PROTOCOL, role: 'vendor', clientId: `vendor:${STORE}`, store: STORE },
      { caps: CAPS_PROTOCOL, role: 'driver', clientId: 'honest-driver' },
    ];
    for (const auth of claims) {
      expect(await attempt(t, hub.url, { auth })).toEqual({
        connected: false,
        message: expect.stringContaining(`a ${auth.role} handshake needs a token to vouch for it`),
        data: { code: 'unauthenticated' },
      });
    }
    expect(hub.nsp.sockets.size).toBe(0);
    expect(await victimVendorDelivery(order('o-1'))).toMatchObject({ messageId: 'o-1', driver: 'honest-driver' });
  });
});

describe("a driver acting on another driver's pickup", () => {
  it('is forbidden to receive, report or deliver it, as a driver with a token and as a lab client; the holder then delivers it', async () => {
    const vendor = rawVendor(t, hub, STORE);
    const notices = recorder(vendor);
    await waitFor(vendor, 'connect');
    const a = rawDriver(t, hub, 'driver-a');
    const sent = waitFor<[Envelope]>(a, 'pickup');
    const o = order('o-claimed');
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(o));
    await sent;
    expect(await a.timeout(5000).emitWithAck('claim', { messageId: o.orderId })).toEqual({ ok: true });

    const b = rawDriver(t, hub, 'driver-b');
    const lab = t.labClient(hub);
    await Promise.all([waitFor(b, 'connect'), waitFor(lab, 'connect')]);
    const forbidden = { ok: false, error: { code: 'forbidden', message: expect.stringContaining(`pickup ${o.orderId} is not yours: another driver holds it`) } };
    for (const thief of [b, lab as unknown as typeof b]) {
      expect(await thief.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: o.orderId })).toEqual(forbidden);
      expect(await thief.timeout(5000).emitWithAck('in-transit', report('in-transit', o, 'thief'))).toEqual(forbidden);
      expect(await thief.timeout(5000).emitWithAck('delivered', report('delivered', o, 'thief'))).toEqual(forbidden);
    }
    expect(await b.timeout(5000).emitWithAck('claim', { messageId: o.orderId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Nothing was taken from A: the pickup is still its own, and its reports go through.
    expect(hub.broker.holderOf({ queueId: 'driver', messageId: o.orderId })).toEqual({ found: true, holder: 'driver-a' });
    const notice = waitFor<[Envelope]>(vendor, 'delivered');
    expect(await a.timeout(5000).emitWithAck('in-transit', report('in-transit', o, 'driver-a'))).toEqual({ ok: true });
    expect(await a.timeout(5000).emitWithAck('delivered', report('delivered', o, 'driver-a'))).toEqual({ ok: true, messageId: o.orderId, duplicate: false });
    expect((await notice)[0]).toMatchObject({ messageId: o.orderId, driver: 'driver-a' });
    // A's retry of a delivered whose answer it lost is the same delivery, not a missing pickup.
    expect(await a.timeout(5000).emitWithAck('delivered', report('delivered', o, 'driver-a'))).toEqual({ ok: true, messageId: o.orderId, duplicate: true });
    expect(notices).toEqual([`in-transit ${o.orderId}`, `delivered ${o.orderId}`]);
  });

  it("lets a lab driver's received take the pickup, so that it alone may deliver it", async () => {
    const vendor = rawVendor(t, hub, STORE);
    await waitFor(vendor, 'connect');
    const lab = t.labClient(hub);
    await waitFor(lab, 'connect');
    expect(await lab.timeout(5000).emitWithAck('getAll', { queueId: 'driver' })).toEqual({ ok: true, count: 0 });
    const sent = waitFor<[Envelope]>(lab, 'pickup');
    const o = order('o-lab');
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(o));
    await sent;
    expect(await lab.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: o.orderId })).toEqual({ ok: true });
    const other = rawDriver(t, hub, 'driver-b');
    await waitFor(other, 'connect');
    expect(await other.timeout(5000).emitWithAck('delivered', report('delivered', o, 'driver-b'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const notice = waitFor<[Envelope]>(vendor, 'delivered');
    expect(await lab.timeout(5000).emitWithAck('delivered', report('delivered', o, 'lab'))).toEqual({ ok: true, messageId: o.orderId, duplicate: false });
    expect((await notice)[0]).toMatchObject({ messageId: o.orderId });
  });
});

describe('a forged delivered for an order that never existed', () => {
  it('is not_found, queues no notice, and the vendor thanks only for its real order', async () => {
    const forger = rawDriver(t, hub, 'forger');
    await waitFor(forger, 'connect');
    const lab = t.labClient(hub);
    await waitFor(lab, 'connect');
    const ghost = order('o-never');
    const notFound = { ok: false, error: { code: 'not_found', message: 'delivered: there is no pickup o-never (never posted, or already delivered)' } };
    expect(await forger.timeout(5000).emitWithAck('delivered', report('delivered', ghost, 'forger'))).toEqual(notFound);
    expect(await lab.timeout(5000).emitWithAck('delivered', report('delivered', ghost, 'lab'))).toEqual(notFound);
    expect(hub.broker.snapshot().find((q) => q.queueId === STORE)?.depth ?? 0).toBe(0);
    // The forgers leave, so that the real order is not offered to drivers that never claim it.
    forger.disconnect();
    lab.disconnect();
    const vendor = t.vendor(hub, STORE);
    const thanked: string[] = [];
    vendor.on('thanked', (e) => thanked.push(e.messageId));
    const real = waitFor<[Envelope]>(vendor, 'thanked');
    t.driver(hub, 'honest-driver');
    await vendor.post(order('o-real'));
    await real;
    expect(thanked).toEqual(['o-real']);
  });

  it("is never thanked by our vendor even if it reaches it: the vendor's journal has no such order", async () => {
    const vendor = t.vendor(hub, STORE);
    await waitFor(vendor, 'connected');
    const unknown = waitFor<[Envelope]>(vendor, 'unknown');
    // A lab vendor may post for any store on this machine (the lab's powers), and deliver it as a lab driver.
    const lab = t.labClient(hub);
    await waitFor(lab, 'connect');
    expect(await lab.timeout(5000).emitWithAck('getAll', { queueId: 'driver' })).toEqual({ ok: true, count: 0 });
    const sent = waitFor<[Envelope]>(lab, 'pickup');
    const o = order('o-not-ours');
    const poster = t.labClient(hub);
    expect(await poster.timeout(5000).emitWithAck('pickup', pickupOf(o))).toMatchObject({ ok: true });
    await sent;
    expect(await lab.timeout(5000).emitWithAck('delivered', report('delivered', o, 'lab'))).toMatchObject({ ok: true });
    expect((await unknown)[0]).toMatchObject({ messageId: o.orderId });
    // Both lab clients leave: the store's next notice would otherwise go first, by round robin, to
    // the poster, which never acknowledges it, and the test would wait out its ack timeout.
    lab.disconnect();
    poster.disconnect();
    expect(await victimVendorDelivery(order('o-mine'))).toMatchObject({ messageId: 'o-mine' });
  });
});

describe("a vendor joining another store's room", () => {
  it('is forbidden, receives none of its notices, and that store is thanked for all of them', async () => {
    const thief = rawVendor(t, hub, 'thief-store');
    const seen = recorder(thief);
    await waitFor(thief, 'connect');
    expect(await thief.timeout(5000).emitWithAck('join', STORE)).toEqual({ ok: false, error: { code: 'forbidden', message: `this vendor's token is for "thief-store", not "${STORE}"` } });
    expect(await thief.timeout(5000).emitWithAck('getAll', { queueId: STORE })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await victimVendorDelivery(order('o-2'))).toMatchObject({ messageId: 'o-2' });
    expect(seen).toEqual([]);
  });
});

describe('a client id taken by a second connection on /caps', () => {
  it('with another credential is refused, and the first connection keeps its pickups', async () => {
    const a = rawDriver(t, hub, 'driver-a');
    await waitFor(a, 'connect');
    const impostorToken = await issueToken(key, { role: 'driver', name: 'someone-else', clientId: 'driver-a' });
    expect(await attempt(t, hub.url, { auth: { caps: CAPS_PROTOCOL, role: 'driver', clientId: 'driver-a', token: impostorToken } })).toEqual({
      connected: false,
      message: 'client driver-a is connected with another credential',
      data: { code: 'forbidden' },
    });
    expect(a.connected).toBe(true);
    const vendor = rawVendor(t, hub, STORE);
    const sent = waitFor<[Envelope]>(a, 'pickup');
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(order('o-3')));
    expect((await sent)[0].messageId).toBe('o-3');
  });

  it('with the same credential takes over: the first is disconnected, its pickup in flight goes to the second, its claim stays with the driver', async () => {
    const first = rawDriver(t, hub, 'driver-a');
    const vendor = rawVendor(t, hub, STORE);
    await Promise.all([waitFor(first, 'connect'), waitFor(vendor, 'connect')]);
    const two = waitFor(first, 'pickup', () => true);
    const claimed = order('o-claimed');
    const inFlight = order('o-in-flight');
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(claimed));
    await two;
    expect(await first.timeout(5000).emitWithAck('claim', { messageId: claimed.orderId })).toEqual({ ok: true });
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(inFlight));
    await until(hub.broker, ['sent'], () => hub.broker.holderOf({ queueId: 'driver', messageId: inFlight.orderId }).found && (hub.broker.holderOf({ queueId: 'driver', messageId: inFlight.orderId }) as { holder?: string }).holder === 'driver-a', 'the second pickup is in flight to driver-a');

    const dropped = waitFor<[string]>(first, 'disconnect');
    const second = rawDriver(t, hub, 'driver-a');
    const received: string[] = [];
    second.on('pickup', (e) => received.push(e.messageId));
    await waitFor(second, 'connect');
    expect((await dropped)[0]).toBe('io server disconnect');
    // Re-checked as each pickup arrives at the second connection: the hub sends both before that
    // connection's connect arrives, so a wait on the hub's `sent` was re-checked only at the
    // in-flight one's ack-timeout redelivery, 10 s later.
    await until(second, ['pickup'], () => received.length >= 2, 'both pickups reach the second connection');
    expect(received.sort()).toEqual([claimed.orderId, inFlight.orderId].sort());
    expect(first.connected).toBe(false);
    expect(await second.timeout(5000).emitWithAck('delivered', report('delivered', claimed, 'driver-a'))).toEqual({ ok: true, messageId: claimed.orderId, duplicate: false });
  });
});

describe('a client id taken on /control', () => {
  it("is refused without the vendor's credential: the impostor gets no command, and the vendor stays connected and obeys the dashboard", async () => {
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    const { vendor } = controllableVendor(t, hub, STORE);
    await waitFor(vendor, 'connected');
    await until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has(`vendor:${STORE}`), 'the vendor is controllable');
    const handshake = { clientId: `vendor:${STORE}`, role: 'vendor', store: STORE };
    const otherStore = await issueToken(key, { role: 'vendor', store: 'thief-store', clientId: 'vendor:thief-store' });
    const impostorWithSameIdAndOtherToken = await issueToken(key, { role: 'vendor', store: 'thief-store', clientId: `vendor:${STORE}` });
    expect(await attempt(t, hub.url, { namespace: CONTROL_NAMESPACE, auth: handshake })).toEqual({
      connected: false,
      message: expect.stringContaining('a vendor handshake needs a token'),
      data: { code: 'unauthenticated' },
    });
    expect(await attempt(t, hub.url, { namespace: CONTROL_NAMESPACE, auth: { ...handshake, token: otherStore } })).toEqual({
      connected: false,
      message: `this token is for store thief-store, not ${STORE}`,
      data: { code: 'forbidden' },
    });
    expect(await attempt(t, hub.url, { namespace: CONTROL_NAMESPACE, auth: { ...handshake, store: 'thief-store', token: impostorWithSameIdAndOtherToken } })).toEqual({
      connected: false,
      message: `client vendor:${STORE} is connected with another credential`,
      data: { code: 'forbidden' },
    });
    expect(vendor.socket.connected).toBe(true);
    const posted = waitFor<[Envelope, boolean]>(vendor, 'posted');
    const answer = await dashboard.remotes.send(`vendor:${STORE}`, 'post');
    expect(answer).toMatchObject({ ok: true });
    expect((await posted)[0].messageId).toBe((answer as { messageId: string }).messageId);
  });
});

describe('an anonymous client that says nothing', () => {
  it('is taken for a driver: it is sent pickups with the customer, may take and deliver them, and may not claim', async () => {
    const guessing = await t.hub({ labDriverGuessMs: 50 });
    const silent = t.labClient(guessing);
    const guessed = waitFor(guessing.activity, 'session', (session: Session) => session.info().role === 'driver');
    await waitFor(silent, 'connect');
    await guessed;
    const vendor = rawVendor(t, guessing, STORE);
    await waitFor(vendor, 'connect');
    const sent = waitFor<[unknown]>(silent, 'pickup');
    const o = order('o-silent');
    await vendor.timeout(5000).emitWithAck('pickup', pickupOf(o));
    expect((await sent)[0]).toMatchObject({ order: { customer: o.customer, address: o.address } });
    expect(await silent.timeout(5000).emitWithAck('claim', { messageId: o.orderId })).toEqual({ ok: false, error: { code: 'forbidden', message: 'only our drivers claim pickups' } });
    expect(await silent.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: o.orderId })).toEqual({ ok: true });
    const notice = waitFor<[Envelope]>(vendor, 'delivered');
    expect(await silent.timeout(5000).emitWithAck('delivered', report('delivered', o, 'nobody'))).toEqual({ ok: true, messageId: o.orderId, duplicate: false });
    expect((await notice)[0]).toMatchObject({ messageId: o.orderId, driver: 'nobody' });
  });
});

describe("a lab client's dropped session, recovered by someone else", () => {
  it('is refused to a caller from another address, and the lab client, back, is sent its notice', async () => {
    const open = await t.hub({ labDriverGuessMs: 3_600_000, trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, classroom: 'open' } });
    const victim = t.labClient(open);
    await waitFor(victim, 'connect');
    const o = order('o-recovered');
    // Its pickup makes it a lab vendor of its store.
    expect(await victim.timeout(5000).emitWithAck('pickup', pickupOf(o))).toMatchObject({ ok: true });
    const id = victim.id!;
    // The session's private id, which only its client was given; the attacker is assumed to have learnt it.
    const pid = (victim as unknown as { _pid: string })._pid;
    victim.io.reconnection(false); // it comes back when the test says
    victim.io.engine.close();
    await until(open.activity, ['session'], () => !open.sessions.has(id), 'the hub has seen the lab vendor drop');

    const stolen = await attempt(t, open.url, { auth: { pid, offset: RECOVERY_OFFSET }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(stolen).toEqual({ connected: false, message: 'this session belongs to another client; connect afresh', data: { code: 'forbidden' } });

    // The refused attempt used up the session (Socket.IO restores a session once, before the
    // hub's check), so the lab vendor comes back as a new client, with no role; its notice waits
    // in the queue, and its getAll, as a lab vendor sends at start, brings it.
    const back = waitFor(victim, 'connect');
    victim.connect();
    await back;
    const notice = waitFor<[{ messageId: string }]>(victim, 'delivered');
    t.driver(open, 'honest-driver');
    expect(await victim.timeout(5000).emitWithAck('getAll', { queueId: STORE })).toMatchObject({ ok: true });
    expect((await notice)[0]).toMatchObject({ messageId: o.orderId });
  });
});

describe("a client acknowledging a notice in flight to another client", () => {
  it('is forbidden, and the notice stays with the vendor it was sent to, which acknowledges it', async () => {
    const vendor = t.labClient(hub);
    await waitFor(vendor, 'connect');
    expect(await vendor.timeout(5000).emitWithAck('getAll', { queueId: STORE })).toEqual({ ok: true, count: 0 });
    const notice = waitFor(vendor, 'delivered');
    t.driver(hub, 'honest-driver');
    expect(await vendor.timeout(5000).emitWithAck('pickup', pickupOf(order('o-held')))).toMatchObject({ ok: true });
    await notice;
    const key = { queueId: STORE, messageId: 'o-held' };
    expect(hub.broker.holderOf(key)).toEqual({ found: true, holder: vendor.id });

    const thief = t.labClient(hub);
    await waitFor(thief, 'connect');
    expect(await thief.timeout(5000).emitWithAck('received', key)).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'received: o-held of "acme-widgets" was sent to another client' },
    });
    expect(hub.broker.holderOf(key)).toEqual({ found: true, holder: vendor.id });
    expect(await vendor.timeout(5000).emitWithAck('received', key)).toEqual({ ok: true });
    expect(hub.broker.holderOf(key)).toEqual({ found: false });
  });
});
