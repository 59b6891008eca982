/**
 * CPU time and RSS of any process on the machine, read from `/proc/<pid>/stat` and
 * `/proc/<pid>/status` (Linux): how the benchmark measures servers that have no probe agent, the
 * native peers and the `redis` system's redis-server, so that their CPU per message compares with
 * the Node servers'.
 */
import { readFileSync } from 'node:fs';
import { JIFFY_MS } from './machine-cpu';
import type { ProcessSample } from './probe-agent';

/** CPU times in `/proc/<pid>/stat` are in clock ticks (machine-cpu.ts). */
const US_PER_TICK = JIFFY_MS * 1000;

/** The process's CPU time so far (user and system) and its RSS, now. Throws if it is gone. */
export function readProcessSample(pid: number): ProcessSample {
  const atMs = Number(process.hrtime.bigint() / 1000n) / 1000;
  // The command name (field 2) may hold spaces, so count fields from the closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
  return { rss: rssKb * 1024, cpuUserUs: Number(fields[11]) * US_PER_TICK, cpuSystemUs: Number(fields[12]) * US_PER_TICK, atMs };
}
