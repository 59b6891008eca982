/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the time went: self
 * time by function, and by module (a package under node_modules, a file of ours, or Node's
 * internals), as shares of all samples. `--profile <dir>` prints this for every server.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples not idle or in the garbage collector, i.e. running JavaScript or native code. */
  busyShare: number;
  gcShare: number;
  byFunction: Hotspot[];
  byModule: Hotspot[];
}

const ROOT = relative(process.cwd(), `${__dirname}/..`) || '.';

/** Where a frame's code lives: `socket.io`, `src/hub/broker.ts`, `node:internal`, `(native)`. */
function moduleOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  const ours = /\/((?:src|bench)\/.+)$/.exec(path);
  return ours ? ours[1]! : relative(ROOT, path);
}

function top(times: Map<string, number>, total: number, count: number): Hotspot[] {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => ({ name, share: time / total }));
}

export function summariseProfile(path: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    total += dt;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') return void (idle += dt);
    if (frame.functionName === '(garbage collector)') gc += dt;
    const module = moduleOf(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${module}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    byModule.set(module, (byModule.get(module) ?? 0) + dt);
  });
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    busyShare: busy / total,
    gcShare: gc / Math.max(1, busy),
    byFunction: top(byFunction, Math.max(1, busy), count),
    byModule: top(byModule, Math.max(1, busy), count),
  };
}

/** The summary as markdown lists (shares are of busy time). */
export function renderProfile(name: string, summary: ProfileSummary): string {
  const line = (h: Hotspot) => `- ${(h.share * 100).toFixed(1)}% ${h.name}`;
  return [
    `#### ${name}: ${(summary.totalMs / 1000).toFixed(1)} s profiled, ${(summary.busyShare * 100).toFixed(0)}% busy, GC ${(summary.gcShare * 100).toFixed(1)}% of busy`,
    '',
    'By module (self time, share of busy):',
    ...summary.byModule.map(line),
    '',
    'By function:',
    ...summary.byFunction.map(line),
  ].join('\n');
}
