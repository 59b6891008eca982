/**
 * `getAll` on a shared hub (Broker.catchUp): it answers once the take that includes its asker's
 * room is done, even while other hubs keep publishing and one take follows another. The store is a
 * stand-in whose takes the test answers one by one, so that each step is an event, not a delay.
 */
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { Broker, SHARED_POLL_MS } from '../../src/hub/broker';
import type { Consumer } from '../../src/hub/consumer';
import { DRIVER_QUEUE } from '../../src/protocol/envelope';
import type { SharedQueues, TakenEntry } from '../../src/queue/shared-queues';
import type { StoredMessage } from '../../src/queue/store';
import type { QueueStore } from '../../src/queue/store';
import { silentLogger } from '../helpers/setup';

/**
 * A shared store whose takes wait for the test to answer them; `tell` is Redis's `available`,
 * `comeBack` the store's health returning after an outage, and `reconciled` what the broker
 * reconciled with.
 */
class HeldTakes {
  readonly answers: ((taken: TakenEntry[]) => void)[] = [];
  readonly reconciled: string[][] = [];
  private hear: ((queueId: string) => void) | undefined;
  private onTake: (() => void) | undefined;
  private healthChanged: (() => void) | undefined;

  readonly store = {
    depths: async () => new Map(),
    health: () => ({ up: true }),
    onHealthChange: (listener: () => void) => ((this.healthChanged = listener), () => (this.healthChanged = undefined)),
    shared: {
      take: () => new Promise<TakenEntry[]>((resolve) => (this.answers.push(resolve), this.onTake?.())),
      release: async () => true,
      reconcile: async (held: { messageId: string }[]) => (this.reconciled.push(held.map((key) => key.messageId)), 0),
      claimedBy: async () => undefined,
      onAvailable: (listener: (queueId: string) => void) => ((this.hear = listener), () => (this.hear = undefined)),
      broadcast: async () => undefined,
      onBroadcast: () => () => undefined,
    } satisfies SharedQueues,
  } as unknown as QueueStore;

  tell(queueId: string): void {
    this.hear?.(queueId);
  }

  comeBack(): void {
    this.healthChanged?.();
  }

  /** Resolves once `count` takes have been asked for in all. */
  asked(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.onTake = () => this.answers.length >= count && resolve();
      this.onTake();
    });
  }
}

const driver: Consumer = { id: 'driver-1', queueId: DRIVER_QUEUE, prefetch: 5, deliver: () => undefined };

/** Runs `use` with a broker on a new `HeldTakes`, and closes the broker after. */
async function withBroker(use: (broker: Broker, takes: HeldTakes) => Promise<void>): Promise<void> {
  const takes = new HeldTakes();
  const broker = await Broker.open(takes.store, DEFAULT_HUB_CONFIG.delivery, { logger: silentLogger });
  try {
    await use(broker, takes);
  } finally {
    broker.close();
  }
}

it('answers getAll once its take is done, while other hubs keep publishing and takes follow each other', () =>
  withBroker(async (broker, takes) => {
    const answer = broker.catchUp(driver);
    await takes.asked(1);
    // Another hub stores a pickup while the take is under way: a second take is due after it.
    takes.tell(DRIVER_QUEUE);
    takes.answers[0]!([]);
    await takes.asked(2);
    // The second take is still under way (and others would follow it); getAll is answered all the same.
    const outcome = await Promise.race([answer.then((count) => ({ answered: count })), new Promise((resolve) => setImmediate(() => resolve('still waiting')))]);
    expect(outcome).toEqual({ answered: 0 });
    takes.answers[1]!([]);
  }));

it('answers a second getAll after a take that starts after it, not one already under way', () =>
  withBroker(async (broker, takes) => {
    const first = broker.catchUp(driver);
    await takes.asked(1);
    takes.answers[0]!([]);
    expect(await first).toBe(0);
    // Attached already: its getAll asks for a take of its own, and waits for that one.
    const second = broker.catchUp(driver);
    await takes.asked(2);
    let answered = false;
    void second.then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    takes.answers[1]!([]);
    expect(await second).toBe(0);
  }));

/** A pickup as a take hands it over. */
const taken = (messageId: string): TakenEntry => ({
  message: { queueId: DRIVER_QUEUE, messageId, seq: 1, enqueuedAt: 1, envelope: { event: 'pickup', messageId, queueId: DRIVER_QUEUE, order: { store: 'acme-widgets', orderId: messageId, customer: 'Ada', address: '1 Way' } } } as StoredMessage,
  failures: 0,
});

describe('after an outage of the store', () => {
  afterEach(() => jest.useRealTimers());

  it('reconciles with what it holds once no take is under way, so that a take whose answer was lost gives its entries back', () => {
    // The poller's clock is the test's; promises settle as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    return withBroker(async (broker, takes) => {
      const answer = broker.catchUp(driver);
      await takes.asked(1);
      // The store comes back while the take is under way: its answer may not tell all it took.
      takes.comeBack();
      expect(takes.reconciled).toEqual([]);
      takes.answers[0]!([taken('p1')]);
      expect(await answer).toBe(1);
      // The next look reconciles (before it takes again, for the room driver-1 still has).
      jest.advanceTimersByTime(SHARED_POLL_MS);
      expect(takes.reconciled).toEqual([['p1']]);
      await takes.asked(2);
      takes.answers[1]!([]);
      await new Promise((resolve) => setImmediate(resolve));
      // Back again with no take under way: at once.
      takes.comeBack();
      expect(takes.reconciled).toEqual([['p1'], ['p1']]);
    });
  });
});
