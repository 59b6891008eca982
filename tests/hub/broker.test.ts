/**
 * The broker alone: a memory store, fake consumers that record what they are given, and Jest's
 * fake timers as the clock, so every ack timeout, lease and TTL is reached by advancing time
 * rather than by waiting for it. No sockets: tests/reliability/delivery.test.ts keeps the few
 * cases that need them.
 */
import { DEFAULT_HUB_CONFIG, type DeliveryPolicy } from '../../src/config';
import { Broker, type BrokerEvents } from '../../src/hub/broker';
import type { Consumer } from '../../src/hub/consumer';
import type { ConsumerAck } from '../../src/protocol/acks';
import { DRIVER_QUEUE, type Envelope } from '../../src/protocol/envelope';
import { MemoryStore } from '../../src/queue/memory-store';
import { silentLogger } from '../helpers/setup';

const STORE = 'acme-widgets';

/** A consumer that keeps what it is sent and lets the test answer each delivery. */
class FakeConsumer implements Consumer {
  readonly sent: Envelope[] = [];
  private readonly answers = new Map<string, (result: ConsumerAck) => void>();

  constructor(
    readonly id: string,
    readonly queueId: string,
    readonly prefetch = 10,
  ) {}

  deliver(envelope: Envelope, onAck: (result: ConsumerAck) => void): void {
    this.sent.push(envelope);
    this.answers.set(envelope.messageId, onAck);
  }

  /** The message ids it was sent, in order. */
  get ids(): string[] {
    return this.sent.map((e) => e.messageId);
  }

  answer(messageId: string, result: ConsumerAck): void {
    this.answers.get(messageId)!(result);
  }
}

const envelope = (id: string, queueId: string): Envelope => ({
  event: queueId === DRIVER_QUEUE ? 'pickup' : 'delivered',
  messageId: id,
  queueId,
  order: { store: STORE, orderId: id, customer: 'Ada', address: '1 Way' },
});

const POLICY: DeliveryPolicy = { ...DEFAULT_HUB_CONFIG.delivery, ackTimeoutMs: 1000, leaseMs: 10_000, maxAttempts: 3, messageTtlMs: 0 };

let store: MemoryStore;
let broker: Broker;
/** Every broker event, in order, as `[name, messageId, detail]`. */
let log: [keyof BrokerEvents, string, unknown?][];

async function open(policy: Partial<DeliveryPolicy> = {}): Promise<Broker> {
  store = new MemoryStore({ dedupWindowMs: 60_000 });
  broker = await Broker.open(store, { ...POLICY, ...policy }, { logger: silentLogger });
  log = [];
  broker.on('sent', (m, c, attempt) => log.push(['sent', m.messageId, `${c.id}#${attempt}`]));
  broker.on('redelivered', (m, reason) => log.push(['redelivered', m.messageId, reason]));
  broker.on('dead', (m, reason) => log.push(['dead', m.messageId, reason]));
  broker.on('acked', (key) => log.push(['acked', key.messageId]));
  broker.on('claimed', (m, owner) => log.push(['claimed', m.messageId, owner]));
  return broker;
}

const publish = (id: string, queueId = STORE) => broker.publish(envelope(id, queueId), queueId);
const events = (name: keyof BrokerEvents) => log.filter(([n]) => n === name);
const stats = (queueId: string) => broker.snapshot().find((q) => q.queueId === queueId);

beforeEach(() => jest.useFakeTimers());
afterEach(async () => {
  broker.close();
  await store.close();
  jest.useRealTimers();
});

describe('delivery', () => {
  it('redelivers a message its consumer refused with retry, and removes it once acknowledged', async () => {
    await open();
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    await publish('a');
    vendor.answer('a', { ok: false, retry: true });
    expect(events('redelivered')).toEqual([['redelivered', 'a', 'nack']]);
    expect(vendor.ids).toEqual(['a', 'a']);
    vendor.answer('a', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(events('acked')).toEqual([['acked', 'a']]);
    expect(await store.list(STORE)).toEqual([]);
    expect(stats(STORE)).toMatchObject({ depth: 0, inFlight: 0 });
  });

  it('redelivers a message whose ack did not come within the ack timeout, not before', async () => {
    await open();
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    await publish('late');
    await jest.advanceTimersByTimeAsync(999);
    expect(vendor.ids).toEqual(['late']);
    await jest.advanceTimersByTimeAsync(1);
    expect(events('redelivered')).toEqual([['redelivered', 'late', 'timeout']]);
    expect(vendor.ids).toEqual(['late', 'late']);
    // The first send's late answer is ignored: only the answer to the current send counts.
    vendor.answer('late', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(events('acked')).toHaveLength(1);
  });

  it('dead-letters a message after maxAttempts deliveries, and requeueDead brings it back', async () => {
    await open({ maxAttempts: 3 });
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    await publish('poison');
    await jest.advanceTimersByTimeAsync(3000);
    expect(vendor.ids).toEqual(['poison', 'poison', 'poison']);
    expect(events('dead')).toEqual([['dead', 'poison', 'failed 3 deliveries; last: timeout']]);
    expect((await store.deadLetters(STORE)).map((d) => d.messageId)).toEqual(['poison']);
    expect(stats(STORE)).toMatchObject({ depth: 0, dead: 1 });

    expect(await broker.requeueDead({ queueId: STORE, messageId: 'poison' })).toBe(true);
    expect(vendor.ids).toHaveLength(4);
    expect(stats(STORE)).toMatchObject({ depth: 1, dead: 0 });
  });

  it('dead-letters at once a message its consumer refused without retry', async () => {
    await open();
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    await publish('bad');
    vendor.answer('bad', { ok: false, retry: false });
    expect(events('dead')).toEqual([['dead', 'bad', 'rejected by consumer']]);
  });

  it('dead-letters a message that waited past its TTL, but lets one in flight finish', async () => {
    await open({ messageTtlMs: 1000 });
    await publish('in-flight');
    await publish('waiting', DRIVER_QUEUE); // nobody consumes the driver queue
    await jest.advanceTimersByTimeAsync(999);
    expect(events('dead')).toEqual([]);
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    await jest.advanceTimersByTimeAsync(1);
    expect(events('dead')).toEqual([['dead', 'waiting', 'expired']]);
    expect((await store.deadLetters(DRIVER_QUEUE)).map((d) => d.messageId)).toEqual(['waiting']);
    vendor.answer('in-flight', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(events('acked')).toEqual([['acked', 'in-flight']]);
  });

  it('requeues what a consumer held when it detaches, in its old place', async () => {
    await open();
    const first = new FakeConsumer('v1', STORE);
    broker.attach(first);
    for (const id of ['1', '2']) await publish(id);
    broker.detach(first);
    await publish('3');
    expect(events('redelivered').map(([, id, reason]) => [id, reason])).toEqual([
      ['1', 'disconnect'],
      ['2', 'disconnect'],
    ]);
    const second = new FakeConsumer('v2', STORE);
    broker.attach(second);
    expect(second.ids).toEqual(['1', '2', '3']);
  });
});

describe('prefetch and fairness', () => {
  it('sends a consumer at most prefetch messages, and the next one as a slot frees', async () => {
    await open();
    const driver = new FakeConsumer('d', DRIVER_QUEUE, 2);
    broker.attach(driver);
    for (const id of ['1', '2', '3', '4']) await publish(id, DRIVER_QUEUE);
    expect(driver.ids).toEqual(['1', '2']);
    await broker.ack({ queueId: DRIVER_QUEUE, messageId: '1' });
    expect(driver.ids).toEqual(['1', '2', '3']);
    expect(stats(DRIVER_QUEUE)).toMatchObject({ depth: 3, inFlight: 2 });
  });

  it('takes turns between competing consumers, skipping one that is full or paused', async () => {
    await open();
    const a = new FakeConsumer('a', DRIVER_QUEUE, 10);
    const b = new FakeConsumer('b', DRIVER_QUEUE, 10);
    const c = new FakeConsumer('c', DRIVER_QUEUE, 1);
    for (const consumer of [a, b, c]) broker.attach(consumer);
    for (const id of ['1', '2', '3', '4', '5', '6', '7']) await publish(id, DRIVER_QUEUE);
    expect([a.ids, b.ids, c.ids]).toEqual([['1', '4', '6'], ['2', '5', '7'], ['3']]);

    broker.setPaused(b, true);
    for (const id of ['8', '9']) await publish(id, DRIVER_QUEUE);
    expect([a.ids.length, b.ids.length]).toEqual([5, 3]);
    broker.setPaused(b, false);
    for (const id of ['10', '11']) await publish(id, DRIVER_QUEUE);
    expect([a.ids.length, b.ids.length]).toEqual([6, 4]);
  });

  it('getAll sends every waiting message whatever the prefetch, and none twice', async () => {
    await open();
    const lab = new FakeConsumer('lab', DRIVER_QUEUE, 1);
    broker.attach(lab);
    for (const id of ['1', '2', '3']) await publish(id, DRIVER_QUEUE);
    expect(lab.ids).toEqual(['1']);
    expect(broker.sendWaiting(lab)).toBe(2);
    expect(lab.ids).toEqual(['1', '2', '3']);
    expect(broker.sendWaiting(lab)).toBe(0);
  });
});

describe('claims and leases', () => {
  /** A driver that has been sent pickup `id` and claimed it. */
  async function claimed(id: string, driverId = 'd1'): Promise<FakeConsumer> {
    const driver = new FakeConsumer(driverId, DRIVER_QUEUE, 1);
    broker.attach(driver);
    await publish(id, DRIVER_QUEUE);
    expect(await broker.claim({ queueId: DRIVER_QUEUE, messageId: id }, driver)).toBe('claimed');
    return driver;
  }

  it('keeps a claimed pickup past the ack timeout, and hands it on when the lease ends', async () => {
    await open({ leaseMs: 10_000 });
    await claimed('p');
    expect((await store.list(DRIVER_QUEUE))[0]?.owner).toBe('d1');
    const other = new FakeConsumer('d2', DRIVER_QUEUE);
    broker.attach(other);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(other.ids).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(events('redelivered')).toEqual([['redelivered', 'p', 'lease expired']]);
    expect(other.ids).toEqual(['p']);
    expect((await store.list(DRIVER_QUEUE))[0]?.owner).toBeUndefined();
  });

  it('refuses a claim on a pickup that is not the driver’s', async () => {
    await open();
    await claimed('mine');
    const other = new FakeConsumer('d2', DRIVER_QUEUE);
    broker.attach(other);
    expect(await broker.claim({ queueId: DRIVER_QUEUE, messageId: 'mine' }, other)).toBe('lost');
    expect(await broker.claim({ queueId: DRIVER_QUEUE, messageId: 'never' }, other)).toBe('lost');
  });

  it('hands a claimed pickup back to its driver when it reconnects, never to another', async () => {
    await open();
    const first = await claimed('p');
    const other = new FakeConsumer('d2', DRIVER_QUEUE);
    broker.attach(other);
    broker.detach(first);
    expect(other.ids).toEqual([]);
    const back = new FakeConsumer('d1', DRIVER_QUEUE, 1);
    broker.attach(back);
    expect(back.ids).toEqual(['p']);
    expect(await broker.claim({ queueId: DRIVER_QUEUE, messageId: 'p' }, back)).toBe('claimed');
    expect(other.ids).toEqual([]);
  });

  it('does not count a reconnect as a delivery attempt: a flapping driver’s package is not dead-lettered', async () => {
    await open({ maxAttempts: 2, leaseMs: 10_000 });
    let driver = await claimed('flapping');
    for (let i = 0; i < 3; i++) {
      broker.detach(driver);
      driver = new FakeConsumer('d1', DRIVER_QUEUE, 1);
      broker.attach(driver);
      expect(driver.ids).toEqual(['flapping']);
    }
    await jest.advanceTimersByTimeAsync(10_000);
    expect(events('dead')).toEqual([]);
    expect(events('redelivered')).toEqual([['redelivered', 'flapping', 'lease expired']]);
  });

  it('reloads a claim from the store after a restart, reserved for its driver', async () => {
    await open();
    await claimed('p');
    broker.close();
    broker = await Broker.open(store, POLICY, { logger: silentLogger });
    const other = new FakeConsumer('d2', DRIVER_QUEUE);
    broker.attach(other);
    const back = new FakeConsumer('d1', DRIVER_QUEUE);
    broker.attach(back);
    expect([other.ids, back.ids]).toEqual([[], ['p']]);
  });
});
