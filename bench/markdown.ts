/** Renders a `BenchResult` as the markdown tables that `npm run bench` prints. */
import type { BenchResult, SystemFigures } from './report';
import { SYSTEMS } from './systems';

type Row = [label: string, pick: (f: SystemFigures) => number | undefined, format: (n: number) => string];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(2);
const pct = (n: number) => `${Math.round(n * 100)}%`;
const mib = (n: number) => (n / 2 ** 20).toFixed(1);

function rows(result: BenchResult): Row[] {
  const loads = result.plan.latency.loads;
  const levels = result.plan.connections.levels;
  return [
    ['acknowledged throughput (msgs/s)', (f) => f.ackThroughput, int],
    ['server CPU during it (1 core = 100%)', (f) => f.ackThroughputServerCpu, pct],
    ['generators\' CPU during it', (f) => f.ackThroughputGeneratorCpu, pct],
    ['server CPU per acknowledged message (µs)', (f) => f.ackServerCpuPerMessageUs, int],
    ['redis-server CPU during it', (f) => f.ackStoreServerCpu, pct],
    ['redis-server CPU per acknowledged message (µs)', (f) => f.ackStoreServerCpuPerMessageUs, int],
    ['projected: msgs/s at one busy Redis core', (f) => f.projectedRedisCeiling, int],
    ['projected: hub cores per Redis core', (f) => f.projectedHubCoresPerRedisCore, (n) => n.toFixed(1)],
    ['no-ack relay throughput (msgs/s)', (f) => f.noAckThroughput, int],
    ...loads.flatMap((load): Row[] => [
      [`pickup latency p50 at ${int(load)} msgs/s (ms)`, (f) => f.latency?.[load]?.pickupP50Ms, ms],
      [`pickup latency p99 at ${int(load)} msgs/s (ms)`, (f) => f.latency?.[load]?.pickupP99Ms, ms],
      [`pickup latency max at ${int(load)} msgs/s (ms)`, (f) => f.latency?.[load]?.pickupMaxMs, ms],
      [`order round trip p99 at ${int(load)} msgs/s (ms)`, (f) => f.latency?.[load]?.roundTripP99Ms, ms],
      [`pacer lateness p99 at ${int(load)} msgs/s (ms)`, (f) => f.latency?.[load]?.scheduleLagP99Ms, ms],
    ]),
    [`backlog drain, ${int(result.plan.backlog.messages)} messages (msgs/s)`, (f) => f.backlogDrain, int],
    ['server CPU while draining', (f) => f.backlogDrainServerCpu, pct],
    ['heap per queued message (B)', (f) => f.queuedMessageHeapBytes, int],
    ['RSS per queued message, second half of the fill (B)', (f) => f.queuedMessageRssBytes, int],
    ...levels.map((level): Row => [`heap per idle connection at ${int(level)} clients (B)`, (f) => f.connections?.[level]?.heapBytes, int]),
    ...levels.map((level): Row => [`server RSS with ${int(level)} idle clients (MiB)`, (f) => f.connections?.[level]?.serverRssBytes, mib]),
    [`RSS growth per idle connection, ${int(levels[0] ?? 0)} → ${int(levels.at(-1) ?? 0)} (B)`, (f) => f.connectionRssBytes, int],
  ];
}

export function renderMarkdown(result: BenchResult): string {
  const systems = SYSTEMS.filter((s) => result.figures[s]);
  const lines = [
    `### Figures (${result.plan.quick ? 'quick run' : 'full run'})`,
    '',
    `| figure | ${systems.join(' | ')} |`,
    `| --- | ${systems.map(() => '---:').join(' | ')} |`,
  ];
  for (const [label, pick, format] of rows(result)) {
    const cells = systems.map((s) => {
      const value = pick(result.figures[s]!);
      return value === undefined ? '–' : format(value);
    });
    if (cells.some((c) => c !== '–')) lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  const missing = result.notMeasured ?? [];
  if (missing.length) lines.push('', `Not measured (binary not installed): ${missing.join(', ')}.`);
  lines.push('', '### Ratios (same run: X ÷ plain, or X vs the peer named)', '', '| ratio | value | target | met |', '| --- | ---: | ---: | :---: |');
  const bound = (t: BenchResult['targets'][number]) => `${t.op} ${Number(t.target.toFixed(2))}`;
  const checked = new Map(result.targets.map((t) => [t.name, t]));
  for (const [name, value] of Object.entries(result.ratios)) {
    const t = checked.get(name);
    lines.push(`| ${name} | ${value.toFixed(2)} | ${t ? bound(t) : '–'} | ${t ? (t.met ? 'yes' : '**no**') : '–'} |`);
  }
  for (const t of result.targets) {
    if (!(t.name in result.ratios)) lines.push(`| ${t.name} | ${t.value.toFixed(2)} | ${bound(t)} | ${t.met ? 'yes' : '**no**'} |`);
  }
  const m = result.machine;
  const e = result.environment;
  const others = Object.entries(e.otherProcessesCpu).map(([s, cpu]) => `${s} ${pct(cpu)}`);
  lines.push(
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; hub settings: ${JSON.stringify(result.hubEnv)}.`,
    `Load average at start: ${e.loadAverageAtStart.toFixed(2)}; CPU taken by other processes during the best throughput rounds: ${others.join(', ') || 'unknown'}; ` +
      `during the latency runs: ${
        Object.entries(e.otherProcessesCpuDuringLatency ?? {})
          .flatMap(([s, byLoad]) => Object.entries(byLoad).map(([load, cpu]) => `${s} at ${load} ${pct(cpu)}`))
          .join(', ') || 'unknown'
      }.`,
  );
  return lines.join('\n');
}
