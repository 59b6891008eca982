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
import { LongestCall } from './longest-call';

const CAPACITY = 100_000;
const ADDS = 400_000;

const journal = new MemoryJournal(CAPACITY);
let n = 0;
const longest = new LongestCall();
const add = () => longest.time(() => journal.add('delivered', `order-${n++}-0123456789abcdef`));
for (let i = 0; i < 4 * CAPACITY; i++) add();
const start = process.cpuUsage();
for (let i = 0; i < ADDS; i++) add();
const used = process.cpuUsage(start);
console.log(JSON.stringify({ capacity: CAPACITY, adds: ADDS, usPerAdd: Number(((used.user + used.system) / ADDS).toFixed(3)), worstAddMs: Number(longest.ms.toFixed(1)) }));
