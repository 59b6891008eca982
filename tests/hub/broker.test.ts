/**
 * The broker alone: a memory store, fake consumers that record what they are given, and Jest's
 * fake timers as the clock, so every ack timeout, lease and TTL is reached by advancing time
 * rather than by waiting for it. No sockets: tests/reliability/delivery.test.ts keeps the few
 * cases that need them.
 */
import { EventEmitter } from 'node:events';
import { DEFAULT_HUB_CONFIG, type DeliveryPolicy } from '../../src/config';
import { Broker, type BrokerEvents } from '../../src/hub/broker';
import type { Consumer } from '../../src/hub/consumer';
import type { ConsumerAck } from '../../src/protocol/acks';
import { DRIVER_QUEUE, type Envelope } from '../../src/protocol/envelope';
import { MemoryStore } from '../../src/queue/memory-store';
import { CapturingLogger, silentLogger } from '../helpers/setup';

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

const POLICY: DeliveryPolicy = { ...DEFAULT_HUB_CONFIG.delivery, ackTimeoutMs: 1000, leaseMs: 10_000, maxAttempts: 3, messageTtlMs: 0, probationMs: 3000 };

let store: MemoryStore;
let broker: Broker;
/** Every broker event, in order, as `[name, messageId, detail]`. */
let log: [keyof BrokerEvents, string, unknown?][];

async function open(policy: Partial<DeliveryPolicy> = {}, logger = silentLogger): Promise<Broker> {
  store = new MemoryStore({ dedupWindowMs: 60_000 });
  broker = await Broker.open(store, { ...POLICY, ...policy }, { logger });
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
    await open({ maxAttempts: 3, suspectAfter: 10 });
    const vendor = new FakeConsumer('v', STORE);
    broker.attach(vendor);
    // A vendor that has acknowledged something: its timeouts count against the message.
    await publish('fine');
    vendor.answer('fine', { ok: true });
    await publish('poison');
    await jest.advanceTimersByTimeAsync(3000);
    expect(vendor.ids).toEqual(['fine', 'poison', 'poison', 'poison']);
    expect(events('dead')).toEqual([['dead', 'poison', 'failed 3 deliveries; last: timeout']]);
    expect((await store.deadLetters(STORE)).map((d) => d.messageId)).toEqual(['poison']);
    expect(stats(STORE)).toMatchObject({ depth: 0, dead: 1 });

    expect(await broker.requeueDead({ queueId: STORE, messageId: 'poison' })).toBe(true);
    expect(vendor.ids).toHaveLength(5);
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

  it('getAll sends waiting messages up to the prefetch, counting what the consumer holds, and none twice', async () => {
    await open();
    const lab = new FakeConsumer('lab', DRIVER_QUEUE, 2);
    for (const id of ['1', '2', '3', '4']) await publish(id, DRIVER_QUEUE);
    expect(broker.sendWaiting(lab)).toBe(2);
    expect(lab.ids).toEqual(['1', '2']);
    expect(broker.sendWaiting(lab)).toBe(2);
    await broker.ack({ queueId: DRIVER_QUEUE, messageId: '1' });
    expect(lab.ids).toEqual(['1', '2', '3']);
    expect(broker.sendWaiting(lab)).toBe(2);
    expect(lab.ids).toEqual(['1', '2', '3']);
  });

  it('an anonymous getAll repeated one ack timeout apart dead-letters nothing', async () => {
    await open({ maxAttempts: 3, suspectAfter: 1000 });
    for (let i = 0; i < 2000; i++) await publish(`p${i}`, DRIVER_QUEUE);
    const lab = new FakeConsumer('anonymous', DRIVER_QUEUE, 100);
    for (let round = 0; round < 5; round++) {
      expect(broker.sendWaiting(lab)).toBe(100);
      expect(lab.sent).toHaveLength(100 * (round + 1));
      await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    }
    expect(events('dead')).toEqual([]);
    expect(stats(DRIVER_QUEUE)).toMatchObject({ depth: 2000, dead: 0 });
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

  it('stores a claim whose first write failed when the driver claims again', async () => {
    await open();
    const driver = new FakeConsumer('d1', DRIVER_QUEUE, 1);
    broker.attach(driver);
    await publish('p', DRIVER_QUEUE);
    const key = { queueId: DRIVER_QUEUE, messageId: 'p' };
    jest.spyOn(store, 'setOwner').mockRejectedValueOnce(new Error('disk full'));
    await expect(broker.claim(key, driver)).rejects.toThrow('disk full');
    // The driver was answered `unavailable` and retries: this time the claim must reach the store.
    expect(await broker.claim(key, driver)).toBe('claimed');
    expect((await store.list(DRIVER_QUEUE))[0]?.owner).toBe('d1');
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

describe('a store call that failed after writing', () => {
  /** The next `enqueue` writes, then rejects: as when Redis goes away before its answer arrives. */
  function loseNextAnswer(): void {
    const enqueue = store.enqueue.bind(store);
    jest.spyOn(store, 'enqueue').mockImplementationOnce(async (...args) => {
      await enqueue(...args);
      throw new Error('connection lost');
    });
  }

  it('delivers a pickup whose publish rejected though the store had it, once the vendor retries', async () => {
    await open();
    const driver = new FakeConsumer('d1', DRIVER_QUEUE);
    broker.attach(driver);
    loseNextAnswer();
    await expect(publish('p', DRIVER_QUEUE)).rejects.toThrow('connection lost');
    expect(driver.ids).toEqual([]);
    expect(await publish('p', DRIVER_QUEUE)).toEqual({ status: 'duplicate' });
    expect(driver.ids).toEqual(['p']);
    expect(stats(DRIVER_QUEUE)).toMatchObject({ depth: 1, inFlight: 1 });
    // A further retry changes nothing: it is held once.
    expect(await publish('p', DRIVER_QUEUE)).toEqual({ status: 'duplicate' });
    expect([driver.ids, stats(DRIVER_QUEUE)?.depth]).toEqual([['p'], 1]);
  });

  it('delivers the notice of a delivered whose answer was lost, when the driver retries it', async () => {
    await open();
    const driver = new FakeConsumer('d1', DRIVER_QUEUE);
    const vendor = new FakeConsumer('v1', STORE);
    broker.attach(driver);
    broker.attach(vendor);
    await publish('p', DRIVER_QUEUE);
    const pickup = { queueId: DRIVER_QUEUE, messageId: 'p' };
    expect(await broker.claim(pickup, driver)).toBe('claimed');
    loseNextAnswer();
    await expect(broker.publish(envelope('p', STORE), STORE, pickup)).rejects.toThrow('connection lost');
    // The broker still holds the pickup for its driver, who was answered `unavailable` and retries.
    expect(broker.holderOf(pickup)).toEqual({ found: true, holder: 'd1' });
    expect(await broker.publish(envelope('p', STORE), STORE, pickup)).toEqual({ status: 'duplicate' });
    expect(broker.holderOf(pickup)).toEqual({ found: false });
    expect(vendor.ids).toEqual(['p']);
    vendor.answer('p', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(await store.list(STORE)).toEqual([]);
  });

  it('holds a message once when two publishes of it overlap: the second is a live duplicate of what the first stored', async () => {
    await open();
    const driver = new FakeConsumer('d1', DRIVER_QUEUE);
    broker.attach(driver);
    const outcomes = await Promise.all([publish('p', DRIVER_QUEUE), publish('p', DRIVER_QUEUE)]);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
    expect([driver.ids, stats(DRIVER_QUEUE)?.depth]).toEqual([['p'], 1]);
  });

  /**
   * Every store call made from now on is carried out at once but answered only at `release`, in the
   * order the calls were made (as Redis answers one connection's calls): a retry can then reach the
   * store before an acknowledgement, and be answered after the broker made that acknowledgement.
   */
  function holdAnswers(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    for (const method of ['enqueue', 'ack', 'deadLetter'] as const) {
      const real = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
      jest.spyOn(store, method).mockImplementation((async (...args: unknown[]) => {
        const answer = real(...args);
        await gate;
        return answer;
      }) as never);
    }
    return release;
  }

  it.each([
    ['acknowledged', { ok: true }, 0, []],
    ['dead-lettered', { ok: false, retry: false }, 1, ['n']],
  ] as const)('does not deliver again a message %s while a retried publish of it was at the store', async (_, answer, dead, deadLetters) => {
    await open();
    const vendor = new FakeConsumer('v1', STORE);
    broker.attach(vendor);
    await publish('n');
    const release = holdAnswers();
    const retry = publish('n'); // the store finds 'n' live…
    vendor.answer('n', answer); // …and the broker removes it before that answer comes
    release();
    expect(await retry).toEqual({ status: 'duplicate' });
    await jest.advanceTimersByTimeAsync(0);
    expect([vendor.ids, stats(STORE), await store.list(STORE)]).toEqual([['n'], { queueId: STORE, depth: 0, inFlight: 0, dead, consumers: 1 }, []]);
    expect((await store.deadLetters(STORE)).map((d) => d.messageId)).toEqual(deadLetters);
  });

  it('writes again an acknowledgement whose write failed when a retried publish finds the message still stored', async () => {
    await open();
    const vendor = new FakeConsumer('v1', STORE);
    broker.attach(vendor);
    await publish('n');
    jest.spyOn(store, 'ack').mockRejectedValueOnce(new Error('connection lost'));
    vendor.answer('n', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect((await store.list(STORE)).map((m) => m.messageId)).toEqual(['n']);
    expect(await publish('n')).toEqual({ status: 'duplicate' });
    await jest.advanceTimersByTimeAsync(0);
    expect([vendor.ids, await store.list(STORE)]).toEqual([['n'], []]);
  });

  it('writes again, once the store is back, the acknowledgements and dead letters whose writes failed while it was down', async () => {
    // A store with health, as Redis's: down, then back.
    store = new MemoryStore({ dedupWindowMs: 60_000 });
    const health = new EventEmitter<{ change: [] }>();
    let up = true;
    Object.assign(store, {
      health: () => (up ? { up: true } : { up: false, reason: 'test' }),
      onHealthChange: (listener: () => void) => (health.on('change', listener), () => health.off('change', listener)),
    });
    const logger = new CapturingLogger();
    broker = await Broker.open(store, POLICY, { logger: logger.logger });
    const vendor = new FakeConsumer('v1', STORE);
    broker.attach(vendor);
    await publish('acked');
    await publish('dead');
    up = false;
    health.emit('change');
    jest.spyOn(store, 'ack').mockRejectedValueOnce(new Error('connection lost'));
    jest.spyOn(store, 'deadLetter').mockRejectedValueOnce(new Error('connection lost'));
    vendor.answer('acked', { ok: true });
    vendor.answer('dead', { ok: false, retry: false });
    await jest.advanceTimersByTimeAsync(0);
    expect((await store.list(STORE)).map((m) => m.messageId)).toEqual(['acked', 'dead']);
    up = true;
    health.emit('change');
    await jest.advanceTimersByTimeAsync(0);
    expect([await store.list(STORE), (await store.deadLetters(STORE)).map((d) => d.messageId)]).toEqual([[], ['dead']]);
    expect(logger.lines.map((l) => l.msg)).toContain('the queue store is back: wrote again 2 acknowledgements and dead letters that had failed (0 failed again)');
    broker.close();
    expect(health.listenerCount('change')).toBe(0);
  });
});

describe('suspects', () => {
  it('does not count timeouts at a consumer that never acknowledged anything, and stops sending to it after suspectAfter until its probation', async () => {
    const logs = new CapturingLogger();
    await open({ maxAttempts: 2, suspectAfter: 3 }, logs.logger);
    const idle = new FakeConsumer('idle', DRIVER_QUEUE, 1);
    const suspects: string[] = [];
    broker.on('suspect', (consumer) => suspects.push(consumer.id));
    broker.attach(idle);
    await publish('p', DRIVER_QUEUE);
    await jest.advanceTimersByTimeAsync(2 * POLICY.ackTimeoutMs);
    expect([idle.ids, suspects, broker.isSuspect(idle)]).toEqual([['p', 'p', 'p'], [], false]);
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    expect([suspects, broker.isSuspect(idle), broker.suspectCount()]).toEqual([['idle'], true, 1]);
    expect(logs.lines.find((l) => l.msg.includes('suspect'))).toMatchObject({ level: 40, consumer: 'idle', timeouts: 3, probationInMs: POLICY.probationMs });
    await jest.advanceTimersByTimeAsync(POLICY.probationMs - 1);
    // Sent nothing until its probation, asked or not; and the pickup waits, alive, for someone honest.
    expect(broker.sendWaiting(idle)).toBe(0);
    expect(idle.ids).toHaveLength(3);
    expect(events('dead')).toEqual([]);
    const honest = new FakeConsumer('honest', DRIVER_QUEUE, 1);
    broker.attach(honest);
    expect(honest.ids).toEqual(['p']);
    broker.detach(idle);
    expect(broker.suspectCount()).toBe(0);
  });

  it('ten drivers that never claim do not push an honest driver’s pickups into dead letters', async () => {
    await open({ maxAttempts: 3, suspectAfter: 3 });
    const idle = Array.from({ length: 10 }, (_, i) => new FakeConsumer(`idle-${i}`, DRIVER_QUEUE, 10));
    for (const driver of idle) broker.attach(driver);
    // The honest driver claims each pickup as it comes and reports it delivered at once.
    const delivered: string[] = [];
    const honest: Consumer = {
      id: 'honest',
      queueId: DRIVER_QUEUE,
      prefetch: 10,
      deliver(pickup) {
        queueMicrotask(async () => {
          const key = { queueId: DRIVER_QUEUE, messageId: pickup.messageId };
          if ((await broker.claim(key, honest)) !== 'claimed') return;
          await broker.publish({ ...pickup, event: 'delivered', queueId: STORE }, STORE, key);
          delivered.push(pickup.messageId);
        });
      },
    };
    broker.attach(honest);
    for (let i = 0; i < 300; i++) await publish(`p${i}`, DRIVER_QUEUE);
    for (let round = 0; round < 10 && delivered.length < 300; round++) await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    expect(delivered).toHaveLength(300);
    expect(events('dead')).toEqual([]);
    expect(idle.every((driver) => broker.isSuspect(driver))).toBe(true);
    expect(broker.isSuspect(honest)).toBe(false);
  });

  it('puts a suspect on probation: one message, whose acknowledgement gives it its whole prefetch again', async () => {
    await open({ maxAttempts: 100, suspectAfter: 1, probationMs: POLICY.ackTimeoutMs });
    const driver = new FakeConsumer('d', DRIVER_QUEUE, 5);
    const cleared: string[] = [];
    broker.on('cleared', (consumer) => cleared.push(consumer.id));
    broker.attach(driver);
    for (let i = 0; i < 8; i++) await publish(`p${i}`, DRIVER_QUEUE);
    expect(driver.ids).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    // A hub stalled past the ack timeout fires every timer before it reads the acks: all five time out at once.
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    expect([broker.isSuspect(driver), driver.sent.length, stats(DRIVER_QUEUE)?.inFlight]).toEqual([true, 5, 0]);
    expect(broker.sendWaiting(driver)).toBe(0);
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs - 1);
    expect(driver.sent.length).toBe(5);
    await jest.advanceTimersByTimeAsync(1);
    // On probation: one message, and getAll asks for no more.
    expect([broker.isSuspect(driver), driver.ids.slice(5)]).toEqual([false, ['p0']]);
    expect(broker.sendWaiting(driver)).toBe(1);
    expect(driver.sent.length).toBe(6);
    driver.answer('p0', { ok: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(cleared).toEqual(['d']);
    expect(driver.ids.slice(6)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(events('dead')).toEqual([]);
  });

  it('doubles a suspect’s wait for probation each time it fails one, up to 64 times the first', async () => {
    await open({ maxAttempts: 100, suspectAfter: 1 });
    const idle = new FakeConsumer('idle', DRIVER_QUEUE, 1);
    const suspicions: number[] = [];
    broker.on('suspect', () => suspicions.push(Date.now()));
    broker.attach(idle);
    await publish('p', DRIVER_QUEUE);
    while (suspicions.length < 9) await jest.advanceTimersToNextTimerAsync();
    // Each suspicion comes one ack timeout after the probation that sent it the pickup again.
    const waits = suspicions.slice(1).map((at, i) => (at - suspicions[i]! - POLICY.ackTimeoutMs) / POLICY.probationMs);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 64]);
    expect([idle.sent.length, events('dead')]).toEqual([9, []]);
  });

  it('clears a suspect that acknowledges a message it still held', async () => {
    await open({ maxAttempts: 100, suspectAfter: 2 });
    const driver = new FakeConsumer('d', DRIVER_QUEUE, 3);
    broker.attach(driver);
    await publish('a', DRIVER_QUEUE);
    await publish('b', DRIVER_QUEUE);
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs / 2);
    await publish('c', DRIVER_QUEUE);
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs / 2);
    expect(broker.isSuspect(driver)).toBe(true);
    driver.answer('c', { ok: true }); // still in flight: sent after the others
    expect(broker.isSuspect(driver)).toBe(false);
    expect(driver.ids.slice(3)).toEqual(['a', 'b']);
  });

  it('counts the timeouts of a consumer that has acknowledged, and an acknowledgement clears its record', async () => {
    await open({ maxAttempts: 5, suspectAfter: 2 });
    const vendor = new FakeConsumer('v', STORE, 1);
    broker.attach(vendor);
    await publish('a');
    vendor.answer('a', { ok: true });
    await publish('b');
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    vendor.answer('b', { ok: true }); // the redelivery's answer: one timeout, then an ack
    await publish('c');
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    expect(broker.isSuspect(vendor)).toBe(false);
    await jest.advanceTimersByTimeAsync(POLICY.ackTimeoutMs);
    expect(broker.isSuspect(vendor)).toBe(true);
    expect(events('sent').filter(([, id]) => id === 'c').map(([, , d]) => d)).toEqual(['v#1', 'v#2']);
  });
});

describe('limits and forgetting', () => {
  it('forgets a queue with nothing in it and no consumer, but keeps one with dead letters', async () => {
    await open();
    const names = Array.from({ length: 2000 }, (_, i) => `store-${i}`);
    for (const name of names) {
      const vendor = new FakeConsumer('v', name);
      broker.attach(vendor);
      broker.detach(vendor);
    }
    await publish('x');
    await broker.ack({ queueId: STORE, messageId: 'x' });
    expect(broker.snapshot()).toEqual([]);
    const vendor = new FakeConsumer('v', 'kept');
    broker.attach(vendor);
    await publish('bad', 'kept');
    vendor.answer('bad', { ok: false, retry: false });
    broker.detach(vendor);
    expect(broker.snapshot()).toEqual([expect.objectContaining({ queueId: 'kept', depth: 0, dead: 1, consumers: 0 })]);
  });

  it('refuses messages past maxTotalMessages across queues, and takes them again once there is room', async () => {
    await open({ maxTotalMessages: 3 });
    expect(await publish('1', 'a')).toEqual({ status: 'stored' });
    expect(await publish('2', 'b')).toEqual({ status: 'stored' });
    expect(await publish('3', DRIVER_QUEUE)).toEqual({ status: 'stored' });
    expect(await publish('4', 'c')).toEqual({ status: 'full', limit: 'hub' });
    expect((await store.list('c')).length + broker.snapshot().length).toBe(3);
    await broker.ack({ queueId: 'a', messageId: '1' });
    expect(await publish('4', 'c')).toEqual({ status: 'stored' });
  });

  it('takes a delivery notice that completes a pickup at maxTotalMessages: it takes the pickup\'s place, so a full hub still drains', async () => {
    await open({ maxTotalMessages: 2 });
    expect(await publish('1', DRIVER_QUEUE)).toEqual({ status: 'stored' });
    expect(await publish('2', DRIVER_QUEUE)).toEqual({ status: 'stored' });
    expect(await publish('3', DRIVER_QUEUE)).toEqual({ status: 'full', limit: 'hub' });
    const completes = { queueId: DRIVER_QUEUE, messageId: '1' };
    expect(await broker.publish(envelope('1', STORE), STORE, completes)).toEqual({ status: 'stored' });
    expect([stats(DRIVER_QUEUE)?.depth, stats(STORE)?.depth]).toEqual([1, 1]);
    // A notice that completes nothing the hub holds is a new message, and the hub is still full.
    expect(await broker.publish(envelope('9', STORE), STORE, { queueId: DRIVER_QUEUE, messageId: '9' })).toEqual({ status: 'full', limit: 'hub' });
    expect(await publish('3', DRIVER_QUEUE)).toEqual({ status: 'full', limit: 'hub' });
  });

  it('refuses a new queue past maxQueues, except the driver queue, and takes one again once one is forgotten', async () => {
    await open({ maxQueues: 2 });
    expect(broker.attach(new FakeConsumer('v', 'a'))).toBe(true);
    expect(await publish('1', 'b')).toEqual({ status: 'stored' });
    expect(broker.canAttach('c')).toBe(false);
    expect(broker.attach(new FakeConsumer('v', 'c'))).toBe(false);
    expect(await publish('2', 'c')).toEqual({ status: 'too_many_queues' });
    expect(broker.sendWaiting(new FakeConsumer('v', 'c'))).toBeUndefined();
    expect(await publish('3', DRIVER_QUEUE)).toEqual({ status: 'stored' });
    await broker.ack({ queueId: 'b', messageId: '1' });
    expect(await publish('2', 'c')).toEqual({ status: 'stored' });
    expect(broker.snapshot().map((q) => q.queueId)).toEqual(['a', 'c', DRIVER_QUEUE]);
  });
});
