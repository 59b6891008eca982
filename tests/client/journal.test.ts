/** The client journal: what a client has done, surviving restarts and torn writes. */
import fc from 'fast-check';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, MemoryJournal } from '../../src/client/journal';
import { setup, type TestContext } from '../helpers/setup';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('remembers records across a reopen, with their data, oldest first', () => {
  const path = join(t.tempDir(), 'journal.jsonl');
  const first = new FileJournal(path);
  first.add('posted', 'a', { n: 1 });
  first.add('posted', 'b', { n: 2 });
  first.add('thanked', 'a');
  first.close();
  const again = new FileJournal(path);
  t.defer(() => again.close());
  expect(again.has('thanked', 'a')).toBe(true);
  expect(again.has('thanked', 'b')).toBe(false);
  expect(again.list('posted')).toEqual([{ id: 'a', data: { n: 1 } }, { id: 'b', data: { n: 2 } }]);
});

it('skips a torn line, keeps the records after it, and writes the next one on a line of its own', () => {
  const path = join(t.tempDir(), 'journal.jsonl');
  const first = new FileJournal(path);
  first.add('delivered', 'a');
  first.close();
  appendFileSync(path, '{"kind":"delivered","id":"tor'); // a write cut short
  const second = new FileJournal(path);
  second.add('delivered', 'b');
  second.close();
  const third = new FileJournal(path);
  t.defer(() => third.close());
  expect(['a', 'b', 'tor'].map((id) => third.has('delivered', id))).toEqual([true, true, false]);
  expect(readFileSync(path, 'utf8').split('\n').at(-2)).toBe('{"kind":"delivered","id":"b"}');
});

it('in memory, forgets the oldest ids past its capacity', () => {
  const journal = new MemoryJournal(2);
  for (const id of ['a', 'b', 'c']) journal.add('thanked', id);
  expect(['a', 'b', 'c'].map((id) => journal.has('thanked', id))).toEqual([false, true, true]);
});

it('in memory, keeps exactly the most recent ids up to its capacity, however many come and go', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }), (capacity, ids) => {
      const journal = new MemoryJournal(capacity);
      // The model: ids in the order they were first recorded, the oldest dropped past the capacity.
      let kept: string[] = [];
      for (const n of ids) {
        const id = `order-${n}`;
        journal.add('delivered', id, n);
        if (!kept.includes(id)) kept = [...kept, id].slice(-capacity);
        expect(journal.list('delivered').map((r) => r.id)).toEqual(kept);
        expect(journal.has('delivered', id)).toBe(true);
      }
    }),
  );
});
