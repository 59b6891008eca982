/**
 * The de-duplication window alone (src/queue/acked-keys.ts), while a burst of keys expires: what a
 * hub's store does after a busy minute, once the load has dropped. The clock is simulated, so the
 * run takes only the CPU time it measures:
 *
 * 1. a burst: `--burst` keys acknowledged at 30,000 a second;
 * 2. then `--rate` acknowledgements a second, each after the `has` check that an enqueue makes,
 *    until well past the moment the burst has left the window.
 *
 * Prints one JSON line: `usPerCheck` (mean CPU time of a check and its acknowledgement in phase 2),
 * `worstSecondMs` (the CPU time of the slowest simulated second of phase 2: what that second's
 * messages waited behind), and `worstCallMs` (the longest single check or acknowledgement of either
 * phase, in wall time: what one message waited behind, such as a table's rehash).
 *
 * @example
 *   node -r ts-node/register/transpile-only bench/dedup-expiry.ts --burst 300000 --rate 2000
 */
import { Command } from 'commander';
import { AckedKeys } from '../src/queue/acked-keys';
import { LongestCall } from './longest-call';

const BURST_PER_SECOND = 30_000;

function main(): void {
  const opts = new Command('dedup-expiry')
    .option('--burst <n>', 'keys acknowledged in the burst', Number, 300_000)
    .option('--rate <n>', 'acknowledgements a second after it', Number, 2_000)
    .option('--window-ms <n>', 'the de-duplication window (DEDUP_WINDOW_MS)', Number, 120_000)
    .parse()
    .opts<{ burst: number; rate: number; windowMs: number }>();

  const keys = new AckedKeys(opts.windowMs);
  let now = 1_000_000;
  let n = 0;
  const longest = new LongestCall();
  const ack = (queueId: string) => longest.time(() => keys.add({ queueId, messageId: `order-${n++}` }, now));
  for (let i = 0; i < opts.burst; i++) {
    if (i % (BURST_PER_SECOND / 1000) === 0) now++;
    ack('driver');
  }

  const seconds = Math.ceil(opts.burst / BURST_PER_SECOND + opts.windowMs / 1000) + 5;
  let worstSecondMs = 0;
  const start = process.cpuUsage();
  for (let s = 0; s < seconds; s++) {
    const secondStart = process.cpuUsage();
    const secondBegins = now;
    for (let i = 0; i < opts.rate; i++) {
      // Whole milliseconds, as Date.now gives the hub: fractions would make every time a heap number.
      now = secondBegins + Math.floor((i * 1000) / opts.rate);
      const queueId = i % 2 === 0 ? 'driver' : 'acme-widgets';
      longest.time(() => keys.has({ queueId, messageId: `new-${n}` }, now));
      ack(queueId);
    }
    now = secondBegins + 1000;
    const used = process.cpuUsage(secondStart);
    worstSecondMs = Math.max(worstSecondMs, (used.user + used.system) / 1000);
  }
  const used = process.cpuUsage(start);
  const usPerCheck = (used.user + used.system) / (seconds * opts.rate);
  console.log(JSON.stringify({ ...opts, usPerCheck: Number(usPerCheck.toFixed(3)), worstSecondMs: Number(worstSecondMs.toFixed(1)), worstCallMs: Number(longest.ms.toFixed(1)), keysLeft: keys.size }));
}

main();
