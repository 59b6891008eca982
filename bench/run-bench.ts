/**
 * Runs the benchmark: the plain relay, CAPS on memory, lmdb and Redis (one hub, and three shared
 * hubs), and the peer brokers (Mosquitto, JetStream) side by side, with load from the generator
 * pool, and gathers the figures into one `BenchResult`. A system whose binary is missing (a
 * peer's, or redis-server) is left out, and the result says so. The caller owns `cleanup` and
 * runs it whatever happens.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { measureBacklog } from './backlog';
import type { Cleanup } from './cleanup';
import { measureConnectionMemory } from './connection-memory';
import type { ScenarioContext } from './context';
import { GeneratorPool } from './generator-pool';
import { HubGroup } from './hub-group';
import { measureLatency } from './latency';
import { describeMachine } from './machine';
import type { BenchPlan } from './plan';
import { checkTargets, computeRatios, systemFigures, type BenchResult } from './report';
import { ServerProcess } from './server-process';
import { isNodeSystem, startNodeSystem, startSystem, unavailable, type NodeSystemName, type RunningNodeSystem, type RunningSystem, type SystemName } from './systems';
import { measureThroughput, type ThroughputFigure } from './throughput';

export const SCENARIOS = ['throughput', 'latency', 'backlog', 'connections'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface RunOptions {
  plan: BenchPlan;
  systems: readonly SystemName[];
  scenarios: readonly Scenario[];
  /** Extra hub settings, by variable name (e.g. `{ PREFETCH: '100' }`). */
  hubEnv: Record<string, string>;
  /** Write a CPU profile of each server's busy span here (`<system>-<scenarios>.cpuprofile`). */
  profileDir?: string;
  cleanup: Cleanup;
  log(line: string): void;
}

type Parts = Parameters<typeof systemFigures>[0];

export async function runBench(options: RunOptions): Promise<BenchResult> {
  const { plan, log } = options;
  const wants = (scenario: Scenario) => options.scenarios.includes(scenario);
  const loadAverageAtStart = loadavg()[0]!;
  const missing = options.systems.filter((s) => unavailable(s) !== undefined);
  for (const system of missing) log(unavailable(system)!);
  const systems = options.systems.filter((s) => !missing.includes(s));
  const pool = GeneratorPool.start(plan.poolSize, options.cleanup);
  const ctx: ScenarioContext = { pool, plan, runTag: `b${Date.now().toString(36)}`, log };
  const parts = new Map<SystemName, Parts>(systems.map((system) => [system, {}]));
  const part = (system: SystemName) => parts.get(system)!;
  const servers = new Servers(options);
  try {
    if (wants('throughput') || wants('latency')) {
      // Every system's server is up at once and the rounds take turns, so that a burst of other
      // work on the (shared) machine hurts every system alike rather than one; each keeps its best.
      const running = await servers.start(systems);
      try {
        for (let round = 0; wants('throughput') && round < plan.throughput.rounds; round++) {
          for (const r of running) {
            const p = part(r.system);
            p.acked = best(p.acked, await measureThroughput(ctx, r, true, round));
            if (r.system === 'plain') p.noAck = best(p.noAck, await measureThroughput(ctx, r, false, round));
          }
        }
        if (wants('latency')) for (const r of running) part(r.system).latency = await measureLatency(ctx, r);
      } finally {
        await servers.stop(running, 'load');
      }
    }
    // Memory is read against a fresh server's baseline, so these get one server each, in turn.
    // They read the heap, so they run on the single Node servers only (the peers and redis3 are
    // measured by rate).
    for (const system of systems.filter(isNodeSystem)) {
      if (wants('backlog') && system !== 'plain') {
        const running = await servers.startNode(system);
        await servers.stop([running], 'backlog', async () => void (part(system).backlog = await measureBacklog(ctx, running)));
      }
      if (wants('connections')) {
        const running = await servers.startNode(system);
        await servers.stop([running], 'connections', async () => void (part(system).connections = await measureConnectionMemory(ctx, running)));
      }
    }
  } finally {
    await pool.stop();
  }
  const figures: BenchResult['figures'] = Object.fromEntries([...parts].map(([system, p]) => [system, systemFigures(p)]));
  const ratios = computeRatios(plan, figures);
  const otherProcessesCpu = Object.fromEntries([...parts].flatMap(([system, p]) => (p.acked?.otherCpu === undefined ? [] : [[system, p.acked.otherCpu]])));
  const otherProcessesCpuDuringLatency = Object.fromEntries(
    [...parts].flatMap(([system, p]) => (p.latency ? [[system, Object.fromEntries(p.latency.flatMap((l) => (l.otherCpu === undefined ? [] : [[String(l.load), l.otherCpu]])))]] : [])),
  );
  return {
    machine: describeMachine(),
    environment: { loadAverageAtStart, otherProcessesCpu, otherProcessesCpuDuringLatency },
    plan,
    hubEnv: options.hubEnv,
    notMeasured: missing,
    figures,
    ratios,
    targets: checkTargets(plan, figures, ratios),
  };
}

/** Node servers, alone or in a group, take CPU profiles; the native peers do not. */
const profilable = (server: RunningSystem['server']): server is ServerProcess | HubGroup => server instanceof ServerProcess || server instanceof HubGroup;

const best = (a: ThroughputFigure | undefined, b: ThroughputFigure) => (a && a.messagesPerSecond >= b.messagesPerSecond ? a : b);

/** Starts and stops servers, with a CPU profile of each one's working life when asked. */
class Servers {
  constructor(private readonly options: RunOptions) {}

  async start(systems: readonly SystemName[]): Promise<RunningSystem[]> {
    const started: RunningSystem[] = [];
    try {
      for (const system of systems) started.push(await this.profiled(await startSystem(system, this.options)));
      return started;
    } catch (err) {
      await Promise.all(started.map((r) => r.stop()));
      throw err;
    }
  }

  async startNode(system: NodeSystemName): Promise<RunningNodeSystem> {
    return this.profiled(await startNodeSystem(system, this.options));
  }

  /** Starts `running`'s CPU profile when asked (Node servers only: the peers are native); stops it if that fails. */
  private async profiled<R extends RunningSystem>(running: R): Promise<R> {
    if (!this.options.profileDir) return running;
    if (!profilable(running.server)) {
      this.options.log(`${running.system}: no CPU profile (a native binary; use perf)`);
      return running;
    }
    try {
      await running.server.startProfile();
      return running;
    } catch (err) {
      await running.stop();
      throw err;
    }
  }

  /** Runs `use` (if given), writes the profiles (`<system>-<label>.cpuprofile`), then stops the servers. */
  async stop(running: RunningSystem[], label: string, use?: () => Promise<void>): Promise<void> {
    try {
      await use?.();
      const dir = this.options.profileDir;
      if (dir) for (const r of running) if (profilable(r.server)) await r.server.stopProfile(join(dir, `${r.system}-${label}.cpuprofile`));
    } finally {
      await Promise.all(running.map((r) => r.stop()));
    }
  }
}
