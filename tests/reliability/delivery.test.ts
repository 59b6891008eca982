/**
 * At-least-once delivery over real sockets, one failure at a time: nacks, dead letters, full
 * queues, de-duplication, order across a disconnect, and claims that survive reconnects. What
 * depends on time (ack timeouts, leases, TTLs) is tested on the broker alone, with a fake clock:
 * tests/hub/broker.test.ts.
 */
import type { CapsClientSocket } from '../../src/client/connect';
import type { Hub } from '../../src/hub/hub';
import type { Envelope } from '../../src/protocol/envelope';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { collect, until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const order = (id: string, store = 'acme-widgets') => ({ store, orderId: id, customer: 'Ada Lovelace', address: '1 Analytical Way' });
const pickup = (id: string, store = 'acme-widgets'): Envelope => ({ event: 'pickup', messageId: id, queueId: 'driver', order: order(id, store) });
const depthOf = (hub: { broker: { snapshot(): { queueId: string; depth: number; dead: number }[] } }, queueId: string) =>
  hub.broker.snapshot().find((q) => q.queueId === queueId) ?? { depth: 0, dead: 0 };

describe('delivery', () => {
  it('stores a retried pickup once, also after it was acknowledged', async () => {
    const hub = await t.hub();
    const vendor = rawVendor(t, hub, 'acme-widgets');
    expect(await vendor.timeout(5000).emitWithAck('pickup', pickup('twice'))).toEqual({ ok: true, messageId: 'twice', duplicate: false });
    expect(await vendor.timeout(5000).emitWithAck('pickup', pickup('twice'))).toEqual({ ok: true, messageId: 'twice', duplicate: true });
    expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual(['twice']);
    const driver = t.driver(hub, 'driver-1');
    await waitFor(driver, 'delivered');
    await until(hub.broker, ['acked'], () => depthOf(hub, 'driver').depth === 0, 'the pickup is complete');
    // A retry that arrives after the pickup was done is still recognised, and not delivered again.
    expect(await vendor.timeout(5000).emitWithAck('pickup', pickup('twice'))).toMatchObject({ duplicate: true });
    expect(depthOf(hub, 'driver').depth).toBe(0);
  });

  it('dead-letters a message after MAX_ATTEMPTS deliveries, and can requeue it', async () => {
    const hub = await t.hub({ delivery: { maxAttempts: 3 } });
    const vendor = rawVendor(t, hub, 'acme-widgets');
    let attempts = 0;
    vendor.on('delivered', (_envelope, ack) => {
      attempts++;
      ack({ ok: false, retry: true });
    });
    const dead = waitFor(hub.broker, 'dead');
    await vendor.timeout(5000).emitWithAck('pickup', pickup('poison'));
    t.driver(hub, 'driver-1');
    const [message, reason] = await dead;
    expect(message).toMatchObject({ queueId: 'acme-widgets', messageId: 'poison' });
    expect(reason).toMatch(/failed 3 deliveries; last: nack/);
    expect(attempts).toBe(3);
    expect(depthOf(hub, 'acme-widgets')).toMatchObject({ depth: 0, dead: 1 });
    expect((await hub.store.deadLetters('acme-widgets')).map((d) => d.messageId)).toEqual(['poison']);

    vendor.removeAllListeners('delivered');
    const again = waitFor<[Envelope, (r: { ok: true }) => void]>(vendor, 'delivered');
    expect(await hub.broker.requeueDead({ queueId: 'acme-widgets', messageId: 'poison' })).toBe(true);
    const [envelope, ack] = await again;
    expect(envelope.messageId).toBe('poison');
    const acked = waitFor(hub.broker, 'acked');
    ack({ ok: true });
    await acked;
    expect(depthOf(hub, 'acme-widgets')).toMatchObject({ depth: 0, dead: 0 });
  });

  it('refuses a message to a full queue, and the vendor stores it later: nothing dropped', async () => {
    const hub = await t.hub({ delivery: { maxQueueLength: 3 } });
    const raw = rawVendor(t, hub, 'acme-widgets');
    for (const id of ['a', 'b', 'c']) await raw.timeout(5000).emitWithAck('pickup', pickup(id));
    expect(await raw.timeout(5000).emitWithAck('pickup', pickup('d'))).toMatchObject({ ok: false, error: { code: 'queue_full' } });
    expect(depthOf(hub, 'driver').depth).toBe(3);

    const vendor = t.vendor(hub, 'acme-widgets', { retry: { ackTimeoutMs: 5000, backoffMs: 20, maxBackoffMs: 100 } });
    const posting = [vendor.post(order('e')), vendor.post(order('f'))];
    const driver = t.driver(hub, 'driver-1');
    const delivered = collect<Envelope>(driver, 'delivered', 5);
    await Promise.all(posting);
    expect((await delivered).map((e) => e.messageId).sort()).toEqual(['a', 'b', 'c', 'e', 'f']);
  });

  it('keeps a queue’s order across redeliveries', async () => {
    const hub = await t.hub();
    const vendor = rawVendor(t, hub, 'acme-widgets');
    const first = rawDriver(t, hub, 'driver-1', 5);
    const received = collect<Envelope>(first, 'pickup', 5);
    for (const id of ['1', '2', '3', '4', '5']) await vendor.timeout(5000).emitWithAck('pickup', pickup(id));
    expect((await received).map((e) => e.messageId)).toEqual(['1', '2', '3', '4', '5']);
    // The driver leaves without claiming anything; a sixth order comes in meanwhile.
    const requeued = until(hub.broker, ['redelivered'], () => hub.broker.snapshot().find((q) => q.queueId === 'driver')!.inFlight === 0, 'all five are back in line');
    first.disconnect();
    await requeued;
    await vendor.timeout(5000).emitWithAck('pickup', pickup('6'));
    const second = rawDriver(t, hub, 'driver-2', 10);
    expect((await collect<Envelope>(second, 'pickup', 6)).map((e) => e.messageId)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

});

describe('one driver per package', () => {
  /** Posts pickup `id`, waits until `driver` is sent it, and answers with a claim: the hub's answer. */
  async function postAndClaim(hub: Hub, driver: CapsClientSocket, id: string) {
    const vendor = rawVendor(t, hub, 'acme-widgets');
    const got = waitFor<[Envelope]>(driver, 'pickup');
    await vendor.timeout(5000).emitWithAck('pickup', pickup(id));
    await got;
    return driver.timeout(5000).emitWithAck('claim', { messageId: id });
  }

  it('a claimed package waits for its driver when it reconnects, not for another driver', async () => {
    const hub = await t.hub({ delivery: { leaseMs: 60_000 } });
    const first = rawDriver(t, hub, 'driver-1');
    expect(await postAndClaim(hub, first, 'mine')).toEqual({ ok: true });
    expect((await hub.store.list('driver'))[0]?.owner).toBe('driver-1');

    const other = rawDriver(t, hub, 'driver-2');
    await waitFor(other, 'connect');
    const sentToOther: string[] = [];
    other.on('pickup', (e) => sentToOther.push(e.messageId));
    first.disconnect();
    const back = rawDriver(t, hub, 'driver-1');
    const [again] = await waitFor<[Envelope]>(back, 'pickup');
    expect(again.messageId).toBe('mine');
    expect(await back.timeout(5000).emitWithAck('claim', { messageId: 'mine' })).toEqual({ ok: true });
    // driver-2 cannot claim what is not its own.
    expect(await other.timeout(5000).emitWithAck('claim', { messageId: 'mine' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(sentToOther).toEqual([]);
  });

  it('keeps a package its driver’s until the driver claims it again, however often its connection drops', async () => {
    const hub = await t.hub({ delivery: { leaseMs: 60_000 } });
    const first = rawDriver(t, hub, 'driver-1');
    expect(await postAndClaim(hub, first, 'flapping')).toEqual({ ok: true });
    const other = rawDriver(t, hub, 'driver-2');
    const sentToOther: string[] = [];
    other.on('pickup', (e) => sentToOther.push(e.messageId));
    await waitFor(other, 'connect');

    // Back, handed its package, and gone again before it could claim it anew.
    first.disconnect();
    const back = rawDriver(t, hub, 'driver-1');
    await waitFor(back, 'pickup');
    back.disconnect();
    const last = rawDriver(t, hub, 'driver-1');
    const [again] = await waitFor<[Envelope]>(last, 'pickup');
    expect(again.messageId).toBe('flapping');
    expect(await other.timeout(5000).emitWithAck('claim', { messageId: 'flapping' })).toMatchObject({ ok: false });
    expect(await last.timeout(5000).emitWithAck('claim', { messageId: 'flapping' })).toEqual({ ok: true });
    expect(sentToOther).toEqual([]);
  });

  it('our driver claims again when the hub could not store its claim, and delivers the package', async () => {
    // The package is held for its driver until the lease ends: far beyond this test, so only a new claim gets it delivered.
    const hub = await t.hub({ delivery: { leaseMs: 3_600_000 } });
    // The store fails the claim's write once, as Redis does while it restarts.
    const setOwner = jest.spyOn(hub.store, 'setOwner').mockRejectedValueOnce(new Error('the store is away'));
    const vendor = rawVendor(t, hub, 'acme-widgets');
    const driver = t.driver(hub, 'driver-1', { retry: { ackTimeoutMs: 5000, backoffMs: 10, maxBackoffMs: 10 } });
    const delivered = waitFor<[Envelope]>(driver, 'delivered');
    const thanked = waitFor<[Envelope]>(vendor, 'delivered');
    await vendor.timeout(5000).emitWithAck('pickup', pickup('retried-claim'));
    expect((await delivered)[0].messageId).toBe('retried-claim');
    expect((await thanked)[0].messageId).toBe('retried-claim');
    expect(setOwner).toHaveBeenCalledTimes(2);
    await expect(setOwner.mock.results[1]!.value).resolves.toBe(true);
  });
});
