/**
 * Server memory per idle connection: on a fresh server, read memory (after a full GC) with no
 * clients, then with each level of idle clients (idle-clients.ts) spread over every generator.
 *
 * Heap per connection is the heap's growth over the baseline divided by the clients: exact, since
 * the heap is read after a full GC. RSS is not: V8 gives back start-up garbage's pages some
 * seconds after start, and fills free committed pages before it asks for more, so RSS growth from
 * the baseline can even be negative. RSS is therefore read as a slope, from the first level to
 * the last, and reported once per server, beside the server's absolute RSS at each level.
 */
import { targetOf, type ScenarioContext } from './context';
import type { RunningNodeSystem } from './systems';

export interface ConnectionLevel {
  clients: number;
  heapPerConnection: number;
  /** The server's whole RSS with this many clients, bytes. */
  serverRss: number;
}

export interface ConnectionMemoryFigure {
  levels: ConnectionLevel[];
  /** RSS growth per connection from the first level to the last, bytes. */
  rssPerConnection: number;
}

export async function measureConnectionMemory(ctx: ScenarioContext, running: RunningNodeSystem): Promise<ConnectionMemoryFigure> {
  const { pool, plan } = ctx;
  const target = targetOf(running);
  const base = await running.server.probe();
  const levels: ConnectionLevel[] = [];
  let open = 0;
  try {
    for (const level of plan.connections.levels) {
      const more = level - open;
      const share = (i: number) => Math.floor(more / pool.size) + (i < more % pool.size ? 1 : 0);
      await pool.all((i) => ({ type: 'open-idle', target, tag: `${ctx.runTag}-${running.system}-c${level}-g${i}`, count: share(i), concurrency: plan.connections.concurrencyPerGenerator }));
      open = level;
      const sample = await running.server.probe();
      levels.push({ clients: level, heapPerConnection: (sample.heapUsed - base.heapUsed) / level, serverRss: sample.rss });
      ctx.log(`${running.system}: ${level} idle clients: ${Math.round(levels.at(-1)!.heapPerConnection)} B heap each, server RSS ${(sample.rss / 2 ** 20).toFixed(1)} MiB`);
    }
  } finally {
    await pool.closeSockets();
  }
  const first = levels[0]!;
  const last = levels.at(-1)!;
  const rssPerConnection = levels.length > 1 ? (last.serverRss - first.serverRss) / (last.clients - first.clients) : (first.serverRss - base.rss) / first.clients;
  ctx.log(`${running.system}: RSS grows ${Math.round(rssPerConnection)} B per idle connection`);
  return { levels, rssPerConnection };
}
