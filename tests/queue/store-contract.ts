/**
 * The queue-store contract (src/queue/store.ts) as a test suite. Every store runs it:
 *
 *   describeStoreContract('lmdb', async (options) => { …; return { store, reopen, cleanup } });
 *
 * `reopen` (durable stores only) closes the store and opens a new one on the same data, so the
 * suite can check what survives a restart.
 */
import type { Envelope } from '../../src/protocol/envelope';
import type { NewMessage, QueueStore, StoreOptions } from '../../src/queue/store';
import { StoreClosedError } from '../../src/queue/store';

export interface StoreFixture {
  store: QueueStore;
  /** Durable stores: close this store and open another on the same data. */
  reopen?: () => Promise<QueueStore>;
  cleanup: () => Promise<void>;
}

export type StoreFactory = (options: StoreOptions) => Promise<StoreFixture>;

let counter = 0;

/** A message for `queueId` with a fresh id (or the one given). */
export function message(queueId: string, messageId = `m${++counter}`, extra: Partial<NewMessage> = {}): NewMessage {
  const envelope: Envelope = {
    event: queueId === 'driver' ? 'pickup' : 'delivered',
    messageId,
    queueId,
    order: { store: 'acme-widgets', orderId: messageId, customer: 'Ada Lovelace', address: '1 Analytical Way' },
  };
  return { queueId, messageId, envelope, enqueuedAt: 1_000, ...extra };
}

export function describeStoreContract(name: string, factory: StoreFactory, traits: { durable: boolean }): void {
  describe(`queue store contract: ${name}`, () => {
    let clock = 1_000_000;
    let fixture: StoreFixture;
    let store: QueueStore;

    const open = async (dedupWindowMs = 60_000) => {
      fixture = await factory({ dedupWindowMs, now: () => clock });
      store = fixture.store;
    };

    beforeEach(() => open());
    afterEach(async () => {
      await store.close().catch(() => undefined);
      await fixture.cleanup();
    });

    it('lists a queue in enqueue order and keeps queues apart', async () => {
      for (const id of ['a', 'b', 'c']) await store.enqueue(message('driver', id));
      await store.enqueue(message('acme-widgets', 'x'));
      expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['a', 'b', 'c']);
      expect((await store.list('acme-widgets')).map((m) => m.messageId)).toEqual(['x']);
      expect(await store.list('nobody')).toEqual([]);
      expect((await store.queues()).sort()).toEqual(['acme-widgets', 'driver']);
    });

    it('hands out increasing seqs and returns the stored envelope intact', async () => {
      const first = await store.enqueue(message('driver', 'a'));
      const second = await store.enqueue(message('acme-widgets', 'b'));
      if (first.status !== 'stored' || second.status !== 'stored') throw new Error('expected stored');
      expect(second.message.seq).toBeGreaterThan(first.message.seq);
      const [listed] = await store.list('driver');
      expect(listed).toEqual({ ...message('driver', 'a'), seq: first.message.seq });
    });

    it('keys entries by queue and message id together', async () => {
      expect((await store.enqueue(message('driver', 'same'))).status).toBe('stored');
      expect((await store.enqueue(message('acme-widgets', 'same'))).status).toBe('stored');
      expect(await store.ack({ queueId: 'driver', messageId: 'same' })).toBe(true);
      expect((await store.list('acme-widgets')).map((m) => m.messageId)).toEqual(['same']);
    });

    it('refuses a duplicate of a queued, dead or recently acknowledged key', async () => {
      const q = await store.enqueue(message('driver', 'q'));
      if (q.status !== 'stored') throw new Error('expected stored');
      // A duplicate of a live entry carries the entry as stored, owner included.
      expect(await store.enqueue({ ...message('driver', 'q'), enqueuedAt: 99 })).toEqual({ status: 'duplicate', live: q.message });
      await store.setOwner({ queueId: 'driver', messageId: 'q' }, 'driver-3');
      expect(await store.enqueue(message('driver', 'q'))).toEqual({ status: 'duplicate', live: { ...q.message, owner: 'driver-3' } });
      await store.enqueue(message('driver', 'd'));
      await store.deadLetter({ queueId: 'driver', messageId: 'd' }, 'test');
      expect(await store.enqueue(message('driver', 'd'))).toEqual({ status: 'duplicate' });
      await store.ack({ queueId: 'driver', messageId: 'q' });
      expect(await store.enqueue(message('driver', 'q'))).toEqual({ status: 'duplicate' });
      expect((await store.list('driver')).length).toBe(0);
    });

    it('forgets an acknowledged key once the de-duplication window has passed', async () => {
      await store.enqueue(message('driver', 'old'));
      await store.ack({ queueId: 'driver', messageId: 'old' });
      clock += 60_000;
      expect((await store.enqueue(message('driver', 'old'))).status).toBe('stored');
    });

    it('acknowledges: removes the entry; a missing key is not an error', async () => {
      await store.enqueue(message('driver', 'a'));
      await store.enqueue(message('driver', 'b'));
      expect(await store.ack({ queueId: 'driver', messageId: 'a' })).toBe(true);
      expect(await store.ack({ queueId: 'driver', messageId: 'a' })).toBe(false);
      expect(await store.ack({ queueId: 'nobody', messageId: 'x' })).toBe(false);
      expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['b']);
    });

    it('completes one entry and stores another in one step', async () => {
      await store.enqueue(message('driver', 'p'));
      const outcome = await store.enqueue(message('acme-widgets', 'p'), { completes: { queueId: 'driver', messageId: 'p' } });
      expect(outcome.status).toBe('stored');
      expect(await store.list('driver')).toEqual([]);
      // A retried `delivered` is a duplicate, and completing the (gone) pickup again is harmless.
      const retry = await store.enqueue(message('acme-widgets', 'p'), { completes: { queueId: 'driver', messageId: 'p' } });
      expect(retry).toEqual({ status: 'duplicate', live: outcome.status === 'stored' ? outcome.message : 'not stored' });
      expect((await store.list('acme-widgets')).length).toBe(1);
    });

    it('records and clears an owner', async () => {
      await store.enqueue(message('driver', 'a'));
      expect(await store.setOwner({ queueId: 'driver', messageId: 'a' }, 'driver-1')).toBe(true);
      expect((await store.list('driver'))[0]?.owner).toBe('driver-1');
      expect(await store.setOwner({ queueId: 'driver', messageId: 'a' }, undefined)).toBe(true);
      expect((await store.list('driver'))[0]?.owner).toBeUndefined();
      expect(await store.setOwner({ queueId: 'driver', messageId: 'nope' }, 'x')).toBe(false);
    });

    it('dead-letters, lists and requeues at the end of the queue', async () => {
      for (const id of ['a', 'b']) await store.enqueue(message('driver', id));
      await store.setOwner({ queueId: 'driver', messageId: 'a' }, 'driver-1');
      expect(await store.deadLetter({ queueId: 'driver', messageId: 'a' }, 'max attempts')).toBe(true);
      expect(await store.deadLetter({ queueId: 'driver', messageId: 'a' }, 'again')).toBe(false);
      const [letter] = await store.deadLetters('driver');
      expect(letter).toMatchObject({ messageId: 'a', reason: 'max attempts', deadAt: clock });
      expect(await store.deadLetters('acme-widgets')).toEqual([]);
      expect((await store.depths()).get('driver')).toEqual({ queued: 1, dead: 1 });
      const requeued = await store.requeue({ queueId: 'driver', messageId: 'a' });
      expect(requeued?.owner).toBeUndefined();
      expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['b', 'a']);
      expect(await store.requeue({ queueId: 'driver', messageId: 'a' })).toBeUndefined();
      expect(await store.deadLetters()).toEqual([]);
    });

    it('reports depths for every queue with entries', async () => {
      await store.enqueue(message('driver', 'a'));
      await store.enqueue(message('driver', 'b'));
      await store.enqueue(message('1-800-flowers', 'c'));
      await store.ack({ queueId: '1-800-flowers', messageId: 'c' });
      expect(Object.fromEntries(await store.depths())).toEqual({ driver: { queued: 2, dead: 0 } });
    });

    it('keeps order and content under many concurrent writes', async () => {
      const ids = Array.from({ length: 500 }, (_, i) => `c${i}`);
      const outcomes = await Promise.all(ids.map((id) => store.enqueue(message('driver', id))));
      expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
      await Promise.all(ids.filter((_, i) => i % 2).map((id) => store.ack({ queueId: 'driver', messageId: id })));
      expect((await store.list('driver')).map((m) => m.messageId)).toEqual(ids.filter((_, i) => i % 2 === 0));
    });

    it('rejects every call after close', async () => {
      await store.close();
      await expect(store.enqueue(message('driver'))).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.list('driver')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.ack({ queueId: 'driver', messageId: 'x' })).rejects.toBeInstanceOf(StoreClosedError);
    });

    // The memory store forgets on restart by design, so only durable stores get this test.
    if (traits.durable)
      it('keeps everything across a reopen', async () => {
      if (!fixture.reopen) throw new Error('a durable store fixture must provide reopen');
      await store.enqueue(message('driver', 'a'));
      const b = await store.enqueue(message('driver', 'b'));
      await store.enqueue(message('acme-widgets', 'n'));
      await store.setOwner({ queueId: 'driver', messageId: 'b' }, 'driver-7');
      await store.ack({ queueId: 'driver', messageId: 'a' });
      await store.enqueue(message('driver', 'dead'));
      await store.deadLetter({ queueId: 'driver', messageId: 'dead' }, 'ttl');
      store = await fixture.reopen();
      expect(await store.list('driver')).toEqual([{ ...message('driver', 'b'), seq: b.status === 'stored' ? b.message.seq : -1, owner: 'driver-7' }]);
      expect((await store.list('acme-widgets')).map((m) => m.messageId)).toEqual(['n']);
      expect((await store.deadLetters()).map((d) => d.messageId)).toEqual(['dead']);
      // The acknowledged key is still a duplicate, and seqs keep rising after the restart.
      expect(await store.enqueue(message('driver', 'a'))).toEqual({ status: 'duplicate' });
      const c = await store.enqueue(message('driver', 'c'));
      expect(c.status === 'stored' && b.status === 'stored' && c.message.seq > b.message.seq).toBe(true);
    });

    // The entry that held the highest seq is gone; its seq must still never be handed out again.
    if (traits.durable)
      it.each([60_000, 0])('keeps seqs rising across a reopen after the newest entries are acknowledged (window %i ms)', async (windowMs) => {
        await store.close();
        await fixture.cleanup();
        await open(windowMs);
        const seqs: number[] = [];
        for (const id of ['a', 'b', 'c']) {
          const outcome = await store.enqueue(message('driver', id));
          if (outcome.status === 'stored') seqs.push(outcome.message.seq);
        }
        await store.ack({ queueId: 'driver', messageId: 'c' });
        await store.ack({ queueId: 'driver', messageId: 'b' });
        // Past the window `b` and `c` have expired, and a store may drop their tombstones.
        clock += windowMs + 5_000;
        await store.ack({ queueId: 'driver', messageId: 'a' });
        store = await fixture.reopen!();
        const next = await store.enqueue(message('driver', 'd'));
        expect(seqs).toHaveLength(3);
        expect(next.status === 'stored' && next.message.seq).toBeGreaterThan(Math.max(...seqs));
      });
  });
}
