/**
 * `npm run bench`: CAPS (memory, lmdb and Redis stores) against a plain Socket.IO relay and the
 * peer brokers, side by side in one run. Prints markdown tables, or with `--json` one JSON object (report.ts); progress goes
 * to stderr. docs/benchmarks.md explains every figure.
 *
 * @example
 *   npm run bench                      # the full run, a few minutes
 *   npm run bench -- --quick --json    # a smoke run, under a minute
 *   npm run bench -- --systems memory --scenarios throughput --hub-env PREFETCH=100 --profile /tmp/prof
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Cleanup } from './cleanup';
import { renderMarkdown } from './markdown';
import { planFor } from './plan';
import { renderProfile, summariseProfile } from './profile-summary';
import type { BenchResult } from './report';
import { runBench, SCENARIOS, type Scenario } from './run-bench';
import { SYSTEMS, type SystemName } from './systems';

const listOf =
  <T extends string>(allowed: readonly T[]) =>
  (text: string): T[] => {
    const items = text.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length) throw new InvalidArgumentError(`unknown: ${bad.join(', ')} (choose from ${allowed.join(', ')})`);
    return items as T[];
  };

const setting = (text: string, previous: Record<string, string>): Record<string, string> => {
  const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected NAME=value, e.g. PREFETCH=100');
  return { ...previous, [match[1]!]: match[2]! };
};

async function main(): Promise<void> {
  const opts = new Command('bench')
    .description('Benchmark CAPS (memory, lmdb and Redis stores) against a plain Socket.IO relay, Mosquitto and NATS JetStream')
    .option('--quick', 'small counts, under a minute: a smoke run', false)
    .option('--json', 'print one JSON object instead of markdown', false)
    .option('--systems <list>', `comma-separated, from ${SYSTEMS.join(',')}`, listOf(SYSTEMS), [...SYSTEMS])
    .option('--scenarios <list>', `comma-separated, from ${SCENARIOS.join(',')}`, listOf(SCENARIOS), [...SCENARIOS])
    .option('--hub-env <NAME=value>', 'a hub setting for this run (repeatable), e.g. PREFETCH=100', setting, {})
    .option('--profile <dir>', 'write a CPU profile of each server while it works to <dir>, with summary.md')
    .option('--render <file>', 'print the markdown of a result saved with --json, and run nothing')
    .parse()
    .opts<{ quick: boolean; json: boolean; systems: SystemName[]; scenarios: Scenario[]; hubEnv: Record<string, string>; profile?: string; render?: string }>();
  if (opts.render !== undefined) {
    process.stdout.write(`${renderMarkdown(JSON.parse(readFileSync(opts.render, 'utf8')) as BenchResult)}\n`);
    return;
  }

  const cleanup = new Cleanup();
  cleanup.onSignals();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const profileDir = opts.profile === undefined ? undefined : resolve(opts.profile);
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  try {
    const result = await runBench({
      plan: planFor({ quick: opts.quick }),
      systems: opts.systems,
      scenarios: opts.scenarios,
      hubEnv: opts.hubEnv,
      ...(profileDir === undefined ? {} : { profileDir }),
      cleanup,
      log,
    });
    process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderMarkdown(result)}\n`);
    if (profileDir) {
      const summaries = readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()
        .map((f) => renderProfile(f, summariseProfile(join(profileDir, f))));
      writeFileSync(join(profileDir, 'summary.md'), `${summaries.join('\n\n')}\n`);
      log(`CPU profiles and summary.md in ${profileDir}`);
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
