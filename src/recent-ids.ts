/**
 * The most recent `capacity` ids, each with its data; past the capacity, the id recorded first is
 * forgotten first. A client's journal keeps its ids in one per kind (client/journal.ts), and a
 * classroom consumer the ids it has sent (hub/socket-consumer.ts).
 *
 * The oldest id is read from an array kept in recording order, not as the map's first key: a `Map`
 * whose first keys were deleted steps over every deleted slot again to find its first key, until
 * V8 next rehashes it. At the hub's 100,000 completed pickups that made each `add` cost 42–53 µs
 * once full, against 1.5–1.8 µs this way (docs/benchmarks.md, "The hub's memory of completed pickups").
 */

/** How many forgotten ids may wait at the array's front before it is cut, if they are also half of it. */
const CUT_AFTER = 32;

export class RecentIds<T = undefined> {
  private readonly data = new Map<string, T | undefined>();
  /** The ids from `head` on are the map's keys, in recording order; the ones before were forgotten. */
  private order: string[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.data.has(id);
  }

  /** Records `id` with `data`. An id recorded again takes the new data and keeps its place in line. */
  add(id: string, data?: T): void {
    if (!this.data.has(id)) this.order.push(id);
    this.data.set(id, data);
    if (this.data.size > this.capacity) this.data.delete(this.order[this.head++]!);
    // Cutting once the forgotten ids are half the array keeps each add O(1), amortised.
    if (this.head > CUT_AFTER && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.data.size;
  }

  /** Every id remembered, with its data, oldest first. */
  entries(): IterableIterator<[string, T | undefined]> {
    return this.data.entries();
  }
}
