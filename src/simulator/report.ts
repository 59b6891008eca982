/**
 * What a simulation run found, and its two printed forms: a table for people and one JSON object
 * for machines (`--json`).
 *
 * Every delivery figure comes from the clients' journals (judge.ts, timings.ts). Redeliveries are
 * the hub's own count (`caps_redeliveries_total`), read before each hub kill and at the end and
 * summed; a hub killed by chaos loses what it counted since the last read, and a restarted hub
 * re-sends what was in flight without counting it, so with hub kills the figure is a lower bound,
 * and the report says so.
 */
import type { FaultKind } from './chaos';
import type { Verdict } from './judge';
import type { Timings } from './timings';

export interface SimulationReport {
  /** Every invariant holds and the run finished in time. */
  ok: boolean;
  /** Why the run failed besides the invariants (a timeout, a crash), if it did. */
  error?: string;
  /** `redisPrefix`: the run's own key prefix, on Redis. */
  settings: { vendors: number; drivers: number; orders: number; store: string; redisPrefix?: string; chaos: boolean; seed: number; hubs: number; shared?: boolean };
  /** With several hubs: the hub that served first, then the one that served after each hub kill. */
  servedBy?: string[];
  verdict: Verdict;
  timings: Timings;
  /** `longestMs`: the longest each kind injected took, its restart included (a hub on Redis waits out the writer lease). */
  faults: { total: number; planned: number; byKind: Record<FaultKind, number>; longestMs: Partial<Record<FaultKind, number>> };
  redeliveries: { total: number; byReason: Record<string, number>; lowerBound: boolean };
  /** Messages in the hub's dead-letter queues at the end (should be 0: MAX_ATTEMPTS is high). */
  deadLetters: number;
  /** Messages still in the hub's queues when the run stopped (should be 0). */
  leftInQueues: number;
  /** From the hub's start to the verdict. */
  elapsedMs: number;
  /** What the run could not remove afterwards (the run's keys in a given Redis), if anything. */
  leftBehind?: string;
  /** The run directory, when it was kept (`--keep`). */
  runDir?: string;
}

/**
 * The `--json` form: one flat object. The names the issue asks for (`orders`, `delivered`,
 * `notified`, `lost`, `duplicateEffects`, `faults`, `p50Ms`, `p99Ms`, `ordersPerSecond`) are at the
 * top level; `faults` is the total, `faultsByKind` the split.
 */
export function toJson(report: SimulationReport): Record<string, unknown> {
  const { verdict: v, timings: t } = report;
  return {
    ok: report.ok,
    ...(report.error === undefined ? {} : { error: report.error }),
    orders: v.orders,
    expectedOrders: v.expected,
    delivered: v.delivered,
    notified: v.notified,
    lost: v.lost,
    duplicateEffects: v.duplicateEffects,
    duplicateDeliveries: v.duplicateDeliveries,
    duplicateThanks: v.duplicateThanks,
    unknownEffects: v.unknownEffects,
    reassigned: v.reassigned,
    faults: report.faults.total,
    faultsPlanned: report.faults.planned,
    faultsByKind: report.faults.byKind,
    faultsLongestMs: report.faults.longestMs,
    redeliveries: report.redeliveries.total,
    redeliveriesByReason: report.redeliveries.byReason,
    redeliveriesLowerBound: report.redeliveries.lowerBound,
    deadLetters: report.deadLetters,
    ...(report.servedBy === undefined ? {} : { servedBy: report.servedBy }),
    leftInQueues: report.leftInQueues,
    p50Ms: t.p50Ms,
    p99Ms: t.p99Ms,
    maxMs: t.maxMs,
    latencySamples: t.latencySamples,
    ordersPerSecond: t.ordersPerSecond,
    durationMs: t.durationMs,
    elapsedMs: report.elapsedMs,
    settings: report.settings,
    violations: v.violations,
    ...(report.leftBehind === undefined ? {} : { leftBehind: report.leftBehind }),
    ...(report.runDir === undefined ? {} : { runDir: report.runDir }),
  };
}

/** The report as a two-column table, followed by the violations if there are any. */
export function formatReport(report: SimulationReport): string {
  const { verdict: v, timings: t, faults, redeliveries: r, settings: s } = report;
  const kinds = Object.entries(faults.byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const reasons = Object.entries(r.byReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const longest = Object.entries(faults.longestMs)
    .map(([kind, ms]) => `${kind} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  const check = (good: boolean) => (good ? '' : '  ✗');
  const rows: [string, string][] = [
    ['run', `${s.vendors} vendors, ${s.drivers} drivers, ${s.hubs === 1 ? '' : `${s.hubs} hubs (${s.shared ? 'shared: all serving' : 'one serving'}), `}store ${s.store}${s.redisPrefix ? ` (prefix ${s.redisPrefix})` : ''}, seed ${s.seed}${s.chaos ? ', chaos' : ''}`],
    ['orders', `${v.orders}${check(v.orders === v.expected)}${v.orders === v.expected ? '' : ` (expected ${v.expected})`}`],
    ['delivered', `${v.delivered}${check(v.delivered === v.orders)}`],
    ['notified', `${v.notified}${check(v.notified === v.orders)}`],
    ['lost', `${v.lost}${check(v.lost === 0)}`],
    ['duplicate effects', `${v.duplicateEffects}${check(v.duplicateEffects === 0)} (deliveries ${v.duplicateDeliveries}, thank-yous ${v.duplicateThanks})`],
    ['reassigned', `${v.reassigned}${v.reassigned ? '  ⚠' : ''} (orders picked by a second driver although the first one's claim was stored)`],
    ['faults injected', faults.total === 0 ? (s.chaos ? '0' : '0 (no --chaos)') : `${faults.total} of ${faults.planned} planned: ${kinds}`],
    ...(longest ? [['longest fault, restart included', longest] as [string, string]] : []),
    ...(report.servedBy ? [['served by', `${report.servedBy.join(' → ')} (the hub serving first, then after each hub kill)`] as [string, string]] : []),
    ['redeliveries', `${r.lowerBound ? '≥ ' : ''}${r.total}${reasons ? ` (${reasons})` : ''}, as counted by the hub`],
    ['dead letters', `${report.deadLetters}${check(report.deadLetters === 0)}`],
    ['throughput', `${t.ordersPerSecond} orders/s (first post to last thank-you, ${(t.durationMs / 1000).toFixed(1)} s)`],
    ['latency p50 / p99 / max', `${t.p50Ms} / ${t.p99Ms} / ${t.maxMs} ms (posted → thanked, ${t.latencySamples} orders)`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const line = (a: string, b: string) => `| ${a.padEnd(width)} | ${b.padEnd(valueWidth)} |`;
  const out = [line('figure', 'value'), `|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 2)}|`, ...rows.map(([a, b]) => line(a, b))];
  out.push('');
  if (report.error) out.push(`FAILED: ${report.error}`);
  if (report.leftBehind) out.push(`WARNING: ${report.leftBehind}`);
  if (v.violations.length) out.push('Invariants broken:', ...v.violations.map((x) => `  - ${x}`));
  if (report.ok) out.push('All invariants hold: every order delivered once, thanked once, none lost.');
  if (report.runDir) out.push(`Journals and logs kept in ${report.runDir}`);
  return out.join('\n');
}
