/**
 * Latency at fixed offered loads: the pipeline in open loop (pacer.ts), at each load in turn.
 * The headline figure is the pickup's one-way latency, from the moment the vendor was due to post
 * it to the moment a driver has it; the order's round trip (until the delivery notice is back at
 * the vendor) and the pacer's own lateness are kept beside it.
 */
import { targetOf, type ScenarioContext } from './context';
import { mergeHistograms, summarise, type LatencySummary } from './histogram';
import { measureCpu, otherCpu } from './cpu-span';
import type { RunningSystem } from './systems';

export interface LatencyFigure {
  /** Offered load, messages per second (two per order). */
  load: number;
  pickup: LatencySummary;
  roundTrip: LatencySummary;
  /** How late the pacer posted, p99 in ms: large values mean the generators could not keep up. */
  scheduleLagP99Ms: number;
  /** CPU cores used by other processes meanwhile (`undefined` off Linux): a busy machine spoils latency. */
  otherCpu: number | undefined;
}

export async function measureLatency(ctx: ScenarioContext, running: RunningSystem): Promise<LatencyFigure[]> {
  const { pool, plan } = ctx;
  const count = plan.loadGenerators;
  const tag = `${ctx.runTag}-${running.system}-l`;
  await pool.all((i) => ({ type: 'open-pipeline', target: targetOf(running), tag: `${tag}${i}`, ...plan.pipeline }), count);
  try {
    const figures: LatencyFigure[] = [];
    for (const load of plan.latency.loads) {
      const span = await measureCpu(running, () => pool.all(() => ({ type: 'latency', acks: true, messagesPerSecond: load / count, ...plan.latency }), count));
      const results = span.result;
      const generatorCpu = results.reduce((sum, r) => sum + r.cpuMs, 0) / span.wallMs;
      const pickups = await pool.all(() => ({ type: 'collect-pickups' as const }), count);
      const figure: LatencyFigure = {
        load,
        pickup: summarise(mergeHistograms(pickups.map((p) => p.pickup))),
        roundTrip: summarise(mergeHistograms(results.map((r) => r.roundTrip))),
        scheduleLagP99Ms: summarise(mergeHistograms(results.map((r) => r.scheduleLag))).p99Ms,
        otherCpu: otherCpu(span, generatorCpu),
      };
      const p = figure.pickup;
      ctx.log(
        `${running.system}: at ${load} msgs/s pickup latency p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms (${p.count} pickups; ` +
          `CPU cores: server ${span.server.toFixed(2)}, other processes ${figure.otherCpu?.toFixed(2) ?? '?'})`,
      );
      figures.push(figure);
    }
    return figures;
  } finally {
    await pool.closeSockets();
  }
}
