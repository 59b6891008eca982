/** What every scenario is given: the generators, the plan, and where to say what it is doing. */
import type { GeneratorPool } from './generator-pool';
import type { Target } from './jobs';
import type { BenchPlan } from './plan';
import { HubGroup } from './hub-group';
import type { RunningSystem } from './systems';
import { flavourOf } from './systems';

export interface ScenarioContext {
  pool: GeneratorPool;
  plan: BenchPlan;
  /** Unique to this run, so client and message ids never repeat. */
  runTag: string;
  /** Progress lines (to stderr). */
  log(line: string): void;
}

/** Where a system's server is (or its hubs are), for the generators. */
export function targetOf(running: RunningSystem): Target {
  const target: Target = { url: running.server.url, flavour: flavourOf(running.system) };
  return running.server instanceof HubGroup ? { ...target, hubs: running.server.urls } : target;
}
