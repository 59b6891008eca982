/**
 * A journal decorator that records *when* each effect happened, and counts records by kind.
 *
 * Vendors and drivers record most effects with no data (`thanked`, `picked`, `delivered`); this
 * wrapper stores `{ at: <ms since the epoch> }` as the data of such a record, in the same write, so
 * the journal itself says when the effect happened. The judge reads pickup→notification latency
 * from there (the `posted` record's envelope carries `postedAt`), rather than from messages that a
 * killed worker might never have sent. Records that carry data of their own are stored as they are.
 *
 * @example
 *   const journal = new StampedJournal(new FileJournal(path));
 *   const driver = new Driver({ …, journal });
 *   journal.count('delivered'); // distinct ids delivered, including before a restart
 */
import type { Journal } from '../client/journal';

/** The data a {@link StampedJournal} stores with a record that had none. */
export interface Stamp {
  at: number;
}

export class StampedJournal implements Journal {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly inner: Journal,
    private readonly now: () => number = Date.now,
  ) {}

  has(kind: string, id: string): boolean {
    return this.inner.has(kind, id);
  }

  add(kind: string, id: string, data?: unknown): void {
    const count = this.count(kind);
    const known = this.inner.has(kind, id);
    this.inner.add(kind, id, data === undefined ? ({ at: this.now() } satisfies Stamp) : data);
    if (!known) this.counts.set(kind, count + 1);
  }

  list(kind: string): { id: string; data: unknown }[] {
    return this.inner.list(kind);
  }

  /** Distinct ids recorded under `kind`, counting records from before a restart. */
  count(kind: string): number {
    let count = this.counts.get(kind);
    // Counted once from the journal, then kept up to date by `add`, so progress reports stay cheap.
    if (count === undefined) this.counts.set(kind, (count = this.inner.list(kind).length));
    return count;
  }

  close(): void {
    this.inner.close();
  }
}
