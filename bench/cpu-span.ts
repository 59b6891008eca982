/**
 * Where the CPU went while a piece of work ran: the system's server, its store server (the `redis`
 * system's redis-server) and the whole machine, each as cores busy on average over the span
 * (1 = one core). The scenarios add the generators' own CPU time, and call the rest "other
 * processes".
 */
import { coresBusy, readMachineCpu } from './machine-cpu';
import type { ProcessSample } from './probe-agent';
import type { RunningSystem } from './systems';

export interface CpuSpan<T> {
  /** What the work returned. */
  result: T;
  /** Wall time between the server's two readings, ms. */
  wallMs: number;
  server: number;
  /** Only for a system with a store server. */
  storeServer: number | undefined;
  /** Every process on the machine (`undefined` off Linux). */
  machine: number | undefined;
}

/** The cores a process kept busy on average between two of its readings (1 = one core). */
export const cpuShare = (before: ProcessSample, after: ProcessSample) =>
  (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000 / (after.atMs - before.atMs);

/** Runs `work` between two readings of `running`'s processes and of the machine. */
export async function measureCpu<T>(running: RunningSystem, work: () => Promise<T>): Promise<CpuSpan<T>> {
  const before = await running.server.probe();
  const storeBefore = await running.storeServer?.probe();
  const machineBefore = readMachineCpu();
  const result = await work();
  const machine = coresBusy(machineBefore, readMachineCpu());
  const storeAfter = await running.storeServer?.probe();
  const after = await running.server.probe();
  const storeServer = storeBefore && storeAfter ? cpuShare(storeBefore, storeAfter) : undefined;
  return { result, wallMs: after.atMs - before.atMs, server: cpuShare(before, after), storeServer, machine };
}

/** The machine's CPU that none of the system's processes nor the generators took, never below 0. */
export function otherCpu(span: CpuSpan<unknown>, generatorCpu: number): number | undefined {
  return span.machine === undefined ? undefined : Math.max(0, span.machine - span.server - (span.storeServer ?? 0) - generatorCpu);
}
