/**
 * The whole machine's CPU use, from /proc/stat (Linux). The benchmark shares the machine with its
 * own generators and with anything else running; reading the total beside the server's and the
 * generators' own CPU time shows how much went to other processes during a run.
 */
import { readFileSync } from 'node:fs';

export interface CpuReading {
  busyMs: number;
  atMs: number;
}

/**
 * The unit of every CPU time in /proc (`/proc/stat`, `/proc/<pid>/stat`): clock ticks (USER_HZ,
 * `getconf CLK_TCK`), 10 ms on every Linux build Node supports.
 */
export const JIFFY_MS = 10;

/** The machine's busy CPU time so far, or `undefined` where /proc/stat does not exist. */
export function readMachineCpu(): CpuReading | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busyMs: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * JIFFY_MS, atMs: performance.now() };
  } catch {
    return undefined;
  }
}

/** Cores busy on average between two readings (2 = both cores of a 2-core machine). */
export function coresBusy(before: CpuReading | undefined, after: CpuReading | undefined): number | undefined {
  if (!before || !after || after.atMs <= before.atMs) return undefined;
  return (after.busyMs - before.busyMs) / (after.atMs - before.atMs);
}
