/**
 * The backlog scenario (CAPS only): on a fresh hub, queue `messages` delivery notices for a store
 * whose vendor is away, reading the hub's memory (after a full GC) before, halfway and after:
 * heap per queued message over the whole fill, RSS per queued message over the second half (see
 * connection-memory.ts for why RSS needs that). Then connect the vendor and time how long it
 * takes to receive and acknowledge them all.
 */
import { targetOf, type ScenarioContext } from './context';
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
  const store = `${ctx.runTag}-${running.system}-backlog`;
  const total = plan.backlog.messages;
  const half = Math.floor(total / 2);
  const fill = (n: number, step: string) => {
    const share = (i: number) => Math.floor(n / count) + (i < n % count ? 1 : 0);
    return pool.all((i) => ({ type: 'fill-backlog', target, tag: `${store}-${step}${i}`, store, count: share(i), window: plan.backlog.fillWindow }), count);
  };
  const before = await running.server.probe();
  await fill(half, 'a');
  const halfway = await running.server.probe();
  await fill(total - half, 'b');
  const filled = await running.server.probe();
  const drained = await pool.run(0, { type: 'drain-backlog', target, tag: `${store}-d`, store, count: plan.backlog.messages, timeoutMs: plan.backlog.drainTimeoutMs });
  const after = await running.server.probe();
  const cpuMs = (after.cpuUserUs + after.cpuSystemUs - filled.cpuUserUs - filled.cpuSystemUs) / 1000;
  const figure: BacklogFigure = {
    messages: plan.backlog.messages,
    drainPerSecond: (drained.received * 1000) / drained.elapsedMs,
    heapPerMessage: (filled.heapUsed - before.heapUsed) / total,
    // A slope over the second half: the first absorbs V8 reusing start-up garbage's pages.
    rssPerMessage: (filled.rss - halfway.rss) / (total - half),
    // The probes' own GCs fall inside the span too; against a drain of seconds they are noise.
    drainServerCpu: cpuMs / (after.atMs - filled.atMs),
  };
  ctx.log(
    `${running.system}: drained ${figure.messages} queued messages at ${Math.round(figure.drainPerSecond)} msgs/s (server CPU ${figure.drainServerCpu.toFixed(2)}); ` +
      `${Math.round(figure.heapPerMessage)} B heap, ${Math.round(figure.rssPerMessage)} B RSS per queued message`,
  );
  return figure;
}
