/**
 * The hub's memory of completed pickups alone (src/client/journal.ts, `MemoryJournal` at the hub's
 * capacity of 100,000): CPU time per `add` once it is full, so that every add forgets the oldest id,
 * and the longest single `add` from the first on, in wall time (`worstAddMs`: what one delivery
 * waited behind, such as a table's rehash). Prints one JSON line.
 *
 * @example
 *   node -r ts-node/register/transpile-only bench/journal-loop.ts
 */
import { MemoryJournal } from '../src/client/journal';

const CAPACITY = 100_000;
const ADDS = 400_000;

const journal = new MemoryJournal(CAPACITY);
let n = 0;
let worstAddMs = 0;
const add = () => {
  const start = process.hrtime.bigint();
  journal.add('delivered', `order-${n++}-0123456789abcdef`);
  worstAddMs = Math.max(worstAddMs, Number(process.hrtime.bigint() - start) / 1e6);
};
for (let i = 0; i < 4 * CAPACITY; i++) add();
const start = process.cpuUsage();
for (let i = 0; i < ADDS; i++) add();
const used = process.cpuUsage(start);
console.log(JSON.stringify({ capacity: CAPACITY, adds: ADDS, usPerAdd: Number(((used.user + used.system) / ADDS).toFixed(3)), worstAddMs: Number(worstAddMs.toFixed(1)) }));
