/**
 * The judge: checks a run's delivery invariants from the clients' durable journals.
 *
 * A client journals an effect *before* it has it (client/journal.ts), so the journals say which
 * effects may have happened, even for clients that were SIGKILLed: they are the evidence, not the
 * logs and not the hub's counters. The invariants, for the `expected` orders of a run:
 *
 * 1. **All posted.** The vendors' `posted` records name `expected` distinct orders, none twice.
 * 2. **Delivered once.** Each order has exactly one `delivered` record across all drivers.
 * 3. **Thanked once.** Each order has exactly one `thanked` record, in its vendor's journal.
 * 4. **None lost.** Each posted order has both (a lost order is one missing either).
 * 5. **Nothing invented.** No `delivered` or `thanked` record names an order nobody posted.
 *
 * `picked` records are counted too. More than one for an order is not a duplicate effect in itself
 * (only one driver delivered it), so it does not fail the run, but the judge reports those orders as
 * `reassigned`, and they deserve a look: a driver journals `picked` only once the hub has *stored*
 * its claim, so a second `picked` means a stored claim was taken from its driver, because its lease
 * ran out or because the hub lost it.
 *
 * @example
 *   const verdict = judge(readJournals(clientsOf(workers)), 3000);
 *   if (!verdict.ok) console.error(verdict.violations.join('\n'));
 */
import type { ClientJournal } from './journals';

export interface Verdict {
  /** Whether every invariant holds. */
  ok: boolean;
  /** Orders the run was asked for. */
  expected: number;
  /** Distinct orders posted (vendors' `posted` records). */
  orders: number;
  /** Posted orders with at least one `delivered` record. */
  delivered: number;
  /** Posted orders with at least one `thanked` record. */
  notified: number;
  /** Posted orders missing a `delivered` or a `thanked` record. */
  lost: number;
  /** Extra effects: `delivered` records beyond one per order, plus `thanked` records beyond one. */
  duplicateEffects: number;
  duplicateDeliveries: number;
  duplicateThanks: number;
  /** `delivered` or `thanked` records for orders nobody posted. */
  unknownEffects: number;
  /** Orders picked up by more than one driver: a stored claim was taken from its driver (see above). */
  reassigned: number;
  /** One line per broken invariant, the first few of each kind. */
  violations: string[];
}

/** Lines of one kind of violation listed before "… and n more". */
const LIST_AT_MOST = 5;

interface Tally {
  posted: number;
  delivered: string[];
  thanked: number;
  picked: number;
}

/** Checks the invariants above over `journals`, for a run of `expected` orders. */
export function judge(journals: ClientJournal[], expected: number): Verdict {
  const orders = new Map<string, Tally>();
  const unknown = new Map<string, number>();
  const tally = (id: string) => {
    let t = orders.get(id);
    if (!t) orders.set(id, (t = { posted: 0, delivered: [], thanked: 0, picked: 0 }));
    return t;
  };
  // Posted first, from every vendor, so that effects can be matched to orders whatever the order of journals.
  for (const journal of journals) {
    if (journal.role !== 'vendor') continue;
    for (const record of journal.records) if (record.kind === 'posted') tally(record.id).posted++;
  }
  for (const journal of journals) {
    for (const { kind, id } of journal.records) {
      if (kind !== 'delivered' && kind !== 'thanked' && kind !== 'picked') continue;
      const t = orders.get(id);
      if (!t) {
        if (kind !== 'picked') unknown.set(`${kind} ${id} (${journal.client})`, 1);
        continue;
      }
      if (kind === 'delivered' && journal.role === 'driver') t.delivered.push(journal.client);
      else if (kind === 'thanked' && journal.role === 'vendor') t.thanked++;
      else if (kind === 'picked' && journal.role === 'driver') t.picked++;
    }
  }

  const all = [...orders.entries()];
  const twicePosted = all.filter(([, t]) => t.posted > 1);
  const duplicateDeliveries = all.filter(([, t]) => t.delivered.length > 1);
  const duplicateThanks = all.filter(([, t]) => t.thanked > 1);
  const lost = all.filter(([, t]) => t.delivered.length === 0 || t.thanked === 0);

  const violations: string[] = [];
  const list = <T>(items: T[], line: (item: T) => string) => {
    for (const item of items.slice(0, LIST_AT_MOST)) violations.push(line(item));
    if (items.length > LIST_AT_MOST) violations.push(`… and ${items.length - LIST_AT_MOST} more like it`);
  };
  if (orders.size !== expected) violations.push(`${orders.size} orders posted, expected ${expected}`);
  list(twicePosted, ([id, t]) => `order ${id} posted ${t.posted} times`);
  list(duplicateDeliveries, ([id, t]) => `order ${id} delivered ${t.delivered.length} times (by ${t.delivered.join(', ')})`);
  list(duplicateThanks, ([id, t]) => `order ${id} thanked ${t.thanked} times`);
  list(lost, ([id, t]) => `order ${id} lost: ${t.delivered.length ? 'delivered' : 'never delivered'}, ${t.thanked ? 'thanked' : 'never thanked'}`);
  list([...unknown.keys()], (what) => `effect for an order nobody posted: ${what}`);

  const extra = (counts: number[]) => counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const extraDeliveries = extra(all.map(([, t]) => t.delivered.length));
  const extraThanks = extra(all.map(([, t]) => t.thanked));
  return {
    ok: violations.length === 0,
    expected,
    orders: orders.size,
    delivered: all.filter(([, t]) => t.delivered.length > 0).length,
    notified: all.filter(([, t]) => t.thanked > 0).length,
    lost: lost.length,
    duplicateEffects: extraDeliveries + extraThanks,
    duplicateDeliveries: extraDeliveries,
    duplicateThanks: extraThanks,
    unknownEffects: unknown.size,
    reassigned: all.filter(([, t]) => t.picked > 1).length,
    violations,
  };
}
