/**
 * Acknowledged throughput: a closed loop of orders over the pipeline (pipeline.ts) for a fixed
 * time, counting two messages per completed order. Beside the rate it reads where the CPU went
 * (server, generators, anything else on the machine), which says what limited the run.
 */
import { targetOf, type ScenarioContext } from './context';
import { coresBusy, readMachineCpu } from './machine-cpu';
import type { RunningSystem } from './systems';

export interface ThroughputFigure {
  /** Messages per second, summed over the load generators. */
  messagesPerSecond: number;
  /** The server's CPU time over wall time during the run (1 = one core busy). */
  serverCpu: number;
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
    const before = await running.server.probe();
    const machineBefore = readMachineCpu();
    const results = await pool.all(() => ({ type: 'throughput', acks, windowPerVendor: plan.pipeline.windowPerVendor, ...plan.throughput }), count);
    const machine = coresBusy(machineBefore, readMachineCpu());
    const after = await running.server.probe();
    const wallMs = after.atMs - before.atMs;
    const messagesPerSecond = results.reduce((sum, r) => sum + (r.messages * 1000) / r.elapsedMs, 0);
    const serverCpu = (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000 / wallMs;
    const generatorCpu = results.reduce((sum, r) => sum + r.cpuMs, 0) / wallMs;
    const otherCpu = machine === undefined ? undefined : Math.max(0, machine - serverCpu - generatorCpu);
    const figure = { messagesPerSecond, serverCpu, generatorCpu, otherCpu };
    ctx.log(
      `${running.system}: ${acks ? 'acked' : 'no-ack'} throughput ${Math.round(messagesPerSecond)} msgs/s ` +
        `(CPU cores: server ${serverCpu.toFixed(2)}, generators ${generatorCpu.toFixed(2)}, other processes ${otherCpu?.toFixed(2) ?? '?'})`,
    );
    return figure;
  } finally {
    await pool.closeSockets();
  }
}
