/**
 * Acknowledged throughput: a closed loop of orders over the pipeline (pipeline.ts) for a fixed
 * time, counting two messages per completed order. Beside the rate it reads where the CPU went
 * (server, its store server if it has one, generators, anything else on the machine), which says
 * what limited the run.
 */
import { targetOf, type ScenarioContext } from './context';
import { measureCpu, otherCpu } from './cpu-span';
import type { RunningSystem } from './systems';

export interface ThroughputFigure {
  /** Messages per second, summed over the load generators. */
  messagesPerSecond: number;
  /** The server's CPU time over wall time during the run (1 = one core busy). */
  serverCpu: number;
  /** The store server's (the `redis` system's redis-server), the same way; only for such a system. */
  storeServerCpu: number | undefined;
  /** The load generators' CPU, the same way. */
  generatorCpu: number;
  /** Every other process on the machine, the same way (`undefined` off Linux). */
  otherCpu: number | undefined;
}

export async function measureThroughput(ctx: ScenarioContext, running: RunningSystem, acks: boolean, round: number): Promise<ThroughputFigure> {
  const { pool, plan } = ctx;
  const count = plan.loadGenerators;
  const tag = `${ctx.runTag}-${running.system}-t${acks ? 'a' : 'n'}${round}-`;
  await pool.all((i) => ({ type: 'open-pipeline', target: targetOf(running), tag: `${tag}${i}`, ...plan.pipeline }), count);
  try {
    const span = await measureCpu(running, () => pool.all(() => ({ type: 'throughput', acks, windowPerVendor: plan.pipeline.windowPerVendor, ...plan.throughput }), count));
    const results = span.result;
    const messagesPerSecond = results.reduce((sum, r) => sum + (r.messages * 1000) / r.elapsedMs, 0);
    const generatorCpu = results.reduce((sum, r) => sum + r.cpuMs, 0) / span.wallMs;
    const figure = { messagesPerSecond, serverCpu: span.server, storeServerCpu: span.storeServer, generatorCpu, otherCpu: otherCpu(span, generatorCpu) };
    const store = figure.storeServerCpu === undefined ? '' : `, store server ${figure.storeServerCpu.toFixed(2)}`;
    ctx.log(
      `${running.system}: ${acks ? 'acked' : 'no-ack'} throughput ${Math.round(messagesPerSecond)} msgs/s ` +
        `(CPU cores: server ${figure.serverCpu.toFixed(2)}${store}, generators ${generatorCpu.toFixed(2)}, other processes ${figure.otherCpu?.toFixed(2) ?? '?'})`,
    );
    return figure;
  } finally {
    await pool.closeSockets();
  }
}
