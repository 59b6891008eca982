/**
 * The lmdb store alone, without a hub: orders go through it as the hub puts them (enqueue the
 * pickup, claim it, complete it with the store's notice, acknowledge the notice) at an offered
 * rate, or flat out with a fixed number under way. Prints one JSON line:
 *
 *   txnPerOrder    LMDB transactions per order (the environment's last transaction id, before and after)
 *   cpuUsPerOrder  the process's CPU time (every thread, lmdb-js's included) per order, µs
 *   p50Ms, p99Ms   the latency of a store call, from the call to its promise settling
 *   ordersPerSec   orders completed per second of the run
 *
 * Its figures compare two builds of the store only when run in turn on the same machine in the
 * same minutes (docs/benchmarks.md, "lmdb on a slow disk").
 *
 * @example
 *   node -r ts-node/register/transpile-only bench/store-loop.ts --rate 2000 --seconds 5
 *   node -r ts-node/register/transpile-only bench/store-loop.ts --rate 0 --under-way 512   # flat out
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { RootDatabase } from 'lmdb';
import { LmdbStore } from '../src/queue/lmdb-store';
import type { NewMessage } from '../src/queue/store';
import { wallNow } from './clock';
import { latencyHistogram, recordMs, summarise } from './histogram';
import { pace } from './pacer';

const WARM_UP_ORDERS = 500;

function pickup(queueId: string, messageId: string): NewMessage {
  const order = { store: 'acme-widgets', orderId: messageId, customer: 'Ada Lovelace', address: '1 Analytical Way' };
  return { queueId, messageId, envelope: { event: 'pickup', messageId, queueId, order }, enqueuedAt: Date.now() };
}

async function main(): Promise<void> {
  const opts = new Command('store-loop')
    .option('--rate <n>', 'orders started per second; 0 for flat out', Number, 1000)
    .option('--seconds <n>', 'how long orders are started for', Number, 5)
    .option('--under-way <n>', 'flat out: orders under way at once', Number, 512)
    .option('--dir <path>', 'the parent directory of the store (default: the system temp dir)', tmpdir())
    .parse()
    .opts<{ rate: number; seconds: number; underWay: number; dir: string }>();

  const dir = mkdtempSync(join(opts.dir, 'caps-store-loop-'));
  const store = await LmdbStore.open(dir, { dedupWindowMs: 60_000 });
  // The environment's transaction counter; `root` is private, and a benchmark may look.
  const lastTxnId = () => ((store as unknown as { root: RootDatabase }).root.getStats() as { lastTxnId: number }).lastTxnId;
  const latency = latencyHistogram();
  const timed = async <T>(call: Promise<T>): Promise<T> => {
    const start = wallNow();
    const result = await call;
    recordMs(latency, wallNow() - start);
    return result;
  };
  let next = 0;
  const order = async (record: boolean) => {
    const driver = { queueId: 'driver', messageId: `o${next++}` };
    const notice = { queueId: 'acme-widgets', messageId: driver.messageId };
    const time = record ? timed : <T>(call: Promise<T>) => call;
    await time(store.enqueue(pickup(driver.queueId, driver.messageId)));
    await time(store.setOwner(driver, 'driver-1'));
    await time(store.enqueue(pickup(notice.queueId, notice.messageId), { completes: driver }));
    await time(store.ack(notice));
  };

  try {
    await Promise.all(Array.from({ length: WARM_UP_ORDERS }, () => order(false)));
    const txnBefore = lastTxnId();
    const cpuBefore = process.cpuUsage();
    const startedAt = wallNow();
    const orders: Promise<void>[] = [];
    if (opts.rate > 0) {
      await pace(Math.round(opts.rate * opts.seconds), opts.rate, startedAt, () => void orders.push(order(true)));
    } else {
      const endAt = startedAt + opts.seconds * 1000;
      const worker = async () => {
        while (wallNow() < endAt) await order(true);
      };
      orders.push(...Array.from({ length: opts.underWay }, worker));
    }
    await Promise.all(orders);
    const wallMs = wallNow() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    const count = next - WARM_UP_ORDERS;
    const { p50Ms, p99Ms } = summarise(latency);
    const figures = {
      rate: opts.rate,
      orders: count,
      ordersPerSec: Math.round((count / wallMs) * 1000),
      txnPerOrder: +((lastTxnId() - txnBefore) / count).toFixed(4),
      cpuUsPerOrder: +((cpu.user + cpu.system) / count).toFixed(1),
      p50Ms,
      p99Ms,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
