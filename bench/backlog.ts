/**
 * The backlog scenario (CAPS only): on a fresh hub, queue `messages` delivery notices for a store
 * whose vendor is away, reading the hub's memory (after a full GC) before, halfway and after:
 * heap per queued message over the whole fill, RSS per queued message over the second half (see
 * connection-memory.ts for why RSS needs that). Then connect the vendor and time how long it
 * takes to receive and acknowledge them all.
 *
 * The drain is repeated `rounds` times (a fresh store each time, filled again) and the best counts,
 * as the throughput rounds' best does: the ratio it makes with the plain relay's best no-ack round
 * should not set one noisy sample against the best of three (docs/benchmarks.md).
 */
import { targetOf, type ScenarioContext } from './context';
import { cpuShare } from './cpu-span';
import type { ServerSample } from './probe-agent';
import type { RunningNodeSystem } from './systems';

export interface BacklogFigure {
  messages: number;
  /** Messages per second from connecting the vendor to its last ack. */
  drainPerSecond: number;
  /** Server memory per queued message (after a full GC), in bytes. */
  heapPerMessage: number;
  rssPerMessage: number;
  /** The server's CPU share (1 = one core) while draining. */
  drainServerCpu: number;
}

export async function measureBacklog(ctx: ScenarioContext, running: RunningNodeSystem): Promise<BacklogFigure> {
  const { pool, plan } = ctx;
  const count = plan.loadGenerators;
  const target = targetOf(running);
  const total = plan.backlog.messages;
  const half = Math.floor(total / 2);
  const fill = (store: string, n: number, step: string) => {
    const share = (i: number) => Math.floor(n / count) + (i < n % count ? 1 : 0);
    return pool.all((i) => ({ type: 'fill-backlog', target, tag: `${store}-${step}${i}`, store, count: share(i), window: plan.backlog.fillWindow }), count);
  };
  /** Drains `store` (filled with `total`), with the server's CPU share meanwhile. */
  const drain = async (store: string, filled: ServerSample) => {
    const drained = await pool.run(0, { type: 'drain-backlog', target, tag: `${store}-d`, store, count: total, timeoutMs: plan.backlog.drainTimeoutMs });
    // The probes' own GCs fall inside the span too; against a drain of seconds they are noise.
    return { perSecond: (drained.received * 1000) / drained.elapsedMs, serverCpu: cpuShare(filled, await running.server.probe()) };
  };

  const first = `${ctx.runTag}-${running.system}-backlog`;
  const before = await running.server.probe();
  await fill(first, half, 'a');
  const halfway = await running.server.probe();
  await fill(first, total - half, 'b');
  const filled = await running.server.probe();
  let best = await drain(first, filled);
  for (let round = 1; round < plan.backlog.rounds; round++) {
    const store = `${first}${round}`;
    await fill(store, total, 'a');
    const drained = await drain(store, await running.server.probe());
    ctx.log(`${running.system}: drain round ${round + 1}: ${Math.round(drained.perSecond)} msgs/s (round 1 or the best before: ${Math.round(best.perSecond)})`);
    if (drained.perSecond > best.perSecond) best = drained;
  }
  const figure: BacklogFigure = {
    messages: total,
    drainPerSecond: best.perSecond,
    heapPerMessage: (filled.heapUsed - before.heapUsed) / total,
    // A slope over the second half: the first absorbs V8 reusing start-up garbage's pages.
    rssPerMessage: (filled.rss - halfway.rss) / (total - half),
    drainServerCpu: best.serverCpu,
  };
  ctx.log(
    `${running.system}: drained ${figure.messages} queued messages at ${Math.round(figure.drainPerSecond)} msgs/s, best of ${plan.backlog.rounds} (server CPU ${figure.drainServerCpu.toFixed(2)}); ` +
      `${Math.round(figure.heapPerMessage)} B heap, ${Math.round(figure.rssPerMessage)} B RSS per queued message`,
  );
  return figure;
}
