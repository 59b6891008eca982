/**
 * The messages of one queue that are ready to send, lowest `seq` first: a binary min-heap.
 *
 * A heap rather than a list because redelivered messages go back *in their old place*, ahead of
 * newer ones, which is what keeps a queue's order across redeliveries. Entries that stopped being
 * ready while inside (acknowledged, expired) are skipped when they reach the top, rather than
 * searched for: `isReady` decides.
 */
export class ReadyQueue<T extends { seq: number }> {
  private readonly heap: T[] = [];

  constructor(private readonly isReady: (item: T) => boolean) {}

  /** Items inside, counting ones that are no longer ready but not yet skipped. */
  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.seq <= item.seq) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the ready item with the lowest seq, or `undefined` if there is none. */
  pop(): T | undefined {
    while (this.heap.length > 0) {
      const top = this.removeTop();
      if (this.isReady(top)) return top;
    }
    return undefined;
  }

  /** Removes and returns every ready item, lowest seq first. */
  drain(): T[] {
    const items: T[] = [];
    for (let item = this.pop(); item; item = this.pop()) items.push(item);
    return items;
  }

  private removeTop(): T {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]!.seq < heap[left]!.seq ? right : left;
        if (heap[child]!.seq >= last.seq) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
