/** The de-duplication window's memory of acknowledged keys (src/queue/acked-keys.ts). */
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

it('forgets the keys of a queue nobody asks about any more', () => {
  const keys = new AckedKeys(1000);
  for (const id of ['a', 'b', 'c']) keys.add(key('quiet', id), 10_000);
  keys.add(key('busy', 'x'), 10_500);
  expect(keys.size).toBe(4);
  // Only the busy queue is used from now on: the quiet one's keys still go once out of the window.
  keys.add(key('busy', 'y'), 11_000);
  expect(keys.has(key('busy', 'y'), 11_001)).toBe(true);
  expect(keys.size).toBe(2);
  keys.add(key('busy', 'z'), 12_500);
  expect(keys.size).toBe(1);
});

it('remembers nothing with a zero window', () => {
  const keys = new AckedKeys(0);
  keys.add(key('q', 'a'), 10_000);
  expect(keys.has(key('q', 'a'), 10_000)).toBe(false);
  expect(keys.size).toBe(0);
});
