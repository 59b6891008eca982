/**
 * The simulator's invariant checker, on hand-made journals: it must pass a clean run and catch each
 * way a run can go wrong, or the chaos test's green would mean nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../src/client/journal';
import { readJournalFile, type ClientJournal, type JournalRecord } from '../../src/simulator/journals';
import { judge } from '../../src/simulator/judge';
import { StampedJournal } from '../../src/simulator/stamped-journal';
import { timings } from '../../src/simulator/timings';

const posted = (id: string, postedAt = 1_000): JournalRecord => ({ kind: 'posted', id, data: { messageId: id, postedAt } });
const record = (kind: string, id: string, at = 2_000): JournalRecord => ({ kind, id, data: { at } });

const vendor = (client: string, records: JournalRecord[]): ClientJournal => ({ client, role: 'vendor', records });
const driver = (client: string, records: JournalRecord[]): ClientJournal => ({ client, role: 'driver', records });

/** Orders a1, a2 (store-1) and b1 (store-2), each picked, delivered and thanked once. */
function cleanRun(): ClientJournal[] {
  return [
    vendor('store-1', [posted('a1'), posted('a2'), record('stored', 'a1'), record('stored', 'a2'), record('thanked', 'a1'), record('thanked', 'a2')]),
    vendor('store-2', [posted('b1'), record('stored', 'b1'), record('thanked', 'b1')]),
    driver('driver-1', [record('picked', 'a1'), record('delivered', 'a1'), record('picked', 'b1'), record('delivered', 'b1')]),
    driver('driver-2', [record('picked', 'a2'), record('delivered', 'a2')]),
  ];
}

describe('judge', () => {
  it('passes a clean run', () => {
    expect(judge(cleanRun(), 3)).toEqual({
      ok: true,
      expected: 3,
      orders: 3,
      delivered: 3,
      notified: 3,
      lost: 0,
      duplicateEffects: 0,
      duplicateDeliveries: 0,
      duplicateThanks: 0,
      unknownEffects: 0,
      reassigned: 0,
      violations: [],
    });
  });

  it('finds a package delivered by two drivers', () => {
    const journals = cleanRun();
    journals[3]!.records.push(record('picked', 'a1'), record('delivered', 'a1'));
    const verdict = judge(journals, 3);
    expect(verdict).toMatchObject({ ok: false, delivered: 3, duplicateEffects: 1, duplicateDeliveries: 1, duplicateThanks: 0, lost: 0 });
    expect(verdict.violations).toEqual(['order a1 delivered 2 times (by driver-1, driver-2)']);
  });

  it('finds a lost order: posted, never delivered nor thanked', () => {
    const journals = cleanRun();
    journals[1]!.records.push(posted('b2'));
    const verdict = judge(journals, 4);
    expect(verdict).toMatchObject({ ok: false, orders: 4, delivered: 3, notified: 3, lost: 1, duplicateEffects: 0 });
    expect(verdict.violations).toEqual(['order b2 lost: never delivered, never thanked']);
  });

  it('finds an order delivered but never thanked, as lost', () => {
    const journals = cleanRun();
    journals[0]!.records = journals[0]!.records.filter((r) => !(r.kind === 'thanked' && r.id === 'a2'));
    expect(judge(journals, 3)).toMatchObject({ ok: false, delivered: 3, notified: 2, lost: 1 });
  });

  it('finds a vendor that thanked twice', () => {
    const journals = cleanRun();
    journals[1]!.records.push(record('thanked', 'b1'));
    const verdict = judge(journals, 3);
    expect(verdict).toMatchObject({ ok: false, duplicateEffects: 1, duplicateDeliveries: 0, duplicateThanks: 1, lost: 0 });
    expect(verdict.violations).toEqual(['order b1 thanked 2 times']);
  });

  it('counts a package picked by two drivers but delivered once as reassigned, not as a duplicate', () => {
    const journals = cleanRun();
    journals[3]!.records.unshift(record('picked', 'a1'));
    expect(judge(journals, 3)).toMatchObject({ ok: true, reassigned: 1, duplicateEffects: 0 });
  });

  it('fails a run with fewer orders posted than asked for', () => {
    const verdict = judge(cleanRun(), 5);
    expect(verdict.ok).toBe(false);
    expect(verdict.violations).toEqual(['3 orders posted, expected 5']);
  });

  it('finds effects for an order nobody posted', () => {
    const journals = cleanRun();
    journals[2]!.records.push(record('delivered', 'zz'));
    expect(judge(journals, 3)).toMatchObject({ ok: false, unknownEffects: 1 });
  });

  it('lists a few violations of a kind, then how many more', () => {
    const journals = cleanRun();
    for (let i = 0; i < 8; i++) journals[0]!.records.push(posted(`x${i}`));
    const verdict = judge(journals, 11);
    expect(verdict.lost).toBe(8);
    expect(verdict.violations).toHaveLength(6);
    expect(verdict.violations.at(-1)).toBe('… and 3 more like it');
  });
});

describe('journals on disk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'caps-judge-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what a stamped FileJournal wrote, one record per line, and skips a torn line', () => {
    const path = join(dir, 'driver-1.journal');
    const journal = new StampedJournal(new FileJournal(path), () => 1234);
    journal.add('picked', 'a1');
    journal.add('delivered', 'a1');
    journal.close();
    writeFileSync(path, '{"kind":"deliv', { flag: 'a' }); // a write cut short by a kill
    expect(readJournalFile(path)).toEqual([
      { kind: 'picked', id: 'a1', data: { at: 1234 } },
      { kind: 'delivered', id: 'a1', data: { at: 1234 } },
    ]);
    expect(readJournalFile(join(dir, 'none.journal'))).toEqual([]);
  });

  it('counts distinct ids by kind across a restart', () => {
    const path = join(dir, 'store-1.journal');
    const first = new StampedJournal(new FileJournal(path));
    first.add('posted', 'a1', { postedAt: 1 });
    first.add('posted', 'a2', { postedAt: 2 });
    first.close();
    const again = new StampedJournal(new FileJournal(path));
    expect(again.count('posted')).toBe(2);
    again.add('posted', 'a3', { postedAt: 3 });
    again.add('thanked', 'a1');
    expect([again.count('posted'), again.count('thanked'), again.count('stored')]).toEqual([3, 1, 0]);
    again.close();
  });
});

describe('timings', () => {
  it('measures posted → thanked latency and throughput from the journals', () => {
    const journals = [vendor('store-1', [posted('a1', 1_000), posted('a2', 1_000), record('thanked', 'a1', 1_010), record('thanked', 'a2', 2_000)])];
    expect(timings(journals)).toEqual({ p50Ms: 10, p99Ms: 1000, maxMs: 1000, latencySamples: 2, durationMs: 1000, ordersPerSecond: 2 });
  });
});
