/** The de-duplication window's memory of acknowledged keys (src/queue/acked-keys.ts). */
import fc from 'fast-check';
import { AckedKeys } from '../../src/queue/acked-keys';

const key = (queueId: string, messageId: string) => ({ queueId, messageId });

it('remembers a key for the window and no longer', () => {
  const keys = new AckedKeys(1000);
  keys.add(key('q', 'a'), 10_000);
  expect(keys.has(key('q', 'a'), 10_999)).toBe(true);
  expect(keys.has(key('other', 'a'), 10_999)).toBe(false);
  expect(keys.has(key('q', 'a'), 11_000)).toBe(false);
  expect(keys.size).toBe(0);
});

it('forgets the keys of a queue nobody asks about any more, and the queue with them', () => {
  const keys = new AckedKeys(1000);
  for (const id of ['a', 'b', 'c']) keys.add(key('quiet', id), 10_000);
  keys.add(key('busy', 'x'), 10_500);
  expect(keys.size).toBe(4);
  // Only the busy queue is used from now on: the quiet one's keys still go once out of the window.
  keys.add(key('busy', 'y'), 11_000);
  expect(keys.has(key('busy', 'y'), 11_001)).toBe(true);
  expect(keys.size).toBe(2);
  // Not only its keys: the queue's own maps go too, or a hub would keep one per store it ever saw.
  expect([...(keys as unknown as { queues: Map<string, unknown> }).queues.keys()]).toEqual(['busy']);
  keys.add(key('busy', 'z'), 12_500);
  expect(keys.size).toBe(1);
});

it('remembers nothing with a zero window', () => {
  const keys = new AckedKeys(0);
  keys.add(key('q', 'a'), 10_000);
  expect(keys.has(key('q', 'a'), 10_000)).toBe(false);
  expect(keys.size).toBe(0);
});

it('keeps a key acknowledged again for the window from its later acknowledgement', () => {
  const keys = new AckedKeys(1000);
  keys.add(key('q', 'a'), 10_000);
  keys.add(key('q', 'b'), 10_100);
  keys.add(key('q', 'a'), 10_500);
  // The first acknowledgement of 'a' leaves the window at 11,000; its second keeps it until 11,500.
  expect(keys.has(key('q', 'a'), 11_050)).toBe(true);
  expect(keys.has(key('q', 'b'), 11_100)).toBe(false);
  expect(keys.has(key('q', 'a'), 11_499)).toBe(true);
  expect(keys.has(key('q', 'a'), 11_500)).toBe(false);
  expect(keys.size).toBe(0);
});

it('answers as "acknowledged less than a window ago" does, for any run of acknowledgements and questions', () => {
  const windowMs = 50;
  const step = fc.record({
    ack: fc.boolean(),
    queueId: fc.constantFrom('driver', 'acme-widgets'),
    // More ids than a queue has maps (16), so that some share one whichever way ids are spread.
    messageId: fc.integer({ min: 0, max: 39 }).map((n) => `m${n}`),
    advanceMs: fc.integer({ min: 0, max: 30 }),
  });
  fc.assert(
    fc.property(fc.array(step, { maxLength: 200, size: 'max' }), (steps) => {
      const keys = new AckedKeys(windowMs);
      // The model: when each key was last acknowledged.
      const last = new Map<string, number>();
      let now = 1_000_000;
      for (const { ack, queueId, messageId, advanceMs } of steps) {
        now += advanceMs;
        const name = `${queueId}/${messageId}`;
        if (ack) {
          keys.add(key(queueId, messageId), now);
          last.set(name, now);
        } else {
          const at = last.get(name);
          expect(keys.has(key(queueId, messageId), now)).toBe(at !== undefined && now - at < windowMs);
        }
      }
    }),
    { numRuns: 1000 },
  );
});
