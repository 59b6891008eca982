/**
 * A hot standby's Redis store (src/queue/redis/standby.ts) on a private redis-server: opened while
 * another hub holds the writer lease, it waits rather than refuse, names the holder once, takes
 * the lease once it is free (given up, or run out), and survives Redis going away or failing its
 * looks meanwhile. Redis's MONITOR shows each look at the lease as Redis runs it, so that the
 * tests know the standby looked again without waiting for any length of time.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { StoreFencedError } from '../../src/queue/redis/errors';
import { RedisKeys } from '../../src/queue/redis/keys';
import { RedisStore } from '../../src/queue/redis-store';
import { CapturingLogger, silentLogger } from '../helpers/setup';
import { RedisMonitor } from '../helpers/redis-monitor';
import { RedisServer } from '../helpers/redis-server';
import { until } from '../helpers/wait-for';
import { message } from './store-contract';

let redis: RedisServer;
beforeEach(async () => (redis = await RedisServer.start()));

/** What each test opened: stores to close, waits to end, monitors to stop. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await redis.cleanup();
});

const PREFIX = 'caps:';
const keys = new RedisKeys(PREFIX);
/** Looks this often: a standby's waits then take moments, and many looks are made in a test. */
const POLL_MS = 20;
const ANOTHER_HUB = 'pid 1 on elsewhere (started 2020-01-01T00:00:00.000Z) #other';
const STANDING_BY = /^standing by for /;
const WARN = 40;

/** The active hub's store, on the default lease: it renews it, so only its close frees it. */
async function active(): Promise<RedisStore> {
  const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix: PREFIX, logger: silentLogger });
  cleanups.push(() => store.close());
  return store;
}

/** Opens a standby store: the open, which resolves once it holds the lease, and whether it has. */
function standby(logger = silentLogger): { opening: Promise<RedisStore>; abort: AbortController; opened: () => boolean } {
  const abort = new AbortController();
  let opened = false;
  const opening = RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix: PREFIX, logger, standby: { pollMs: POLL_MS, signal: abort.signal } });
  opening.then(
    (store) => {
      opened = true;
      cleanups.push(() => store.close());
    },
    () => undefined,
  );
  cleanups.push(() => abort.abort());
  return { opening, abort, opened: () => opened };
}

/**
 * Counts the looks at the lease (the take-lease script: the lease, its epoch and the shared hubs'
 * beats, a token and a length) that Redis runs from now on, by any client.
 */
async function watchLooks(): Promise<{ until(count: number): Promise<void> }> {
  const monitor = await RedisMonitor.open(redis.port);
  cleanups.push(() => monitor.close());
  const looks = new EventEmitter();
  let seen = 0;
  monitor.on('command', (args) => {
    if (/^eval(sha)?$/i.test(args[0] ?? '') && args.length === 8 && args[3] === keys.writer) looks.emit('look', ++seen);
  });
  return { until: (count) => until(looks, ['look'], () => seen >= count, `${count} looks at the lease`) };
}

it('waits while a running hub holds the lease, names it once, and takes the lease when that hub stops', async () => {
  const first = await active();
  await first.enqueue(message('driver', 'before'));
  const log = new CapturingLogger();
  const looks = await watchLooks();
  const second = standby(log.logger);

  expect((await log.line(STANDING_BY)).msg).toMatch(
    new RegExp(
      `^standing by for hub pid ${process.pid} on \\S+ \\(started [0-9T:.Z-]+\\): it holds the writer lease of redis://127\\.0\\.0\\.1:${redis.port}/0 prefix "caps:" \\(for \\d+ ms more\\); ` +
        `this hub takes over once the lease is free, looking every ${POLL_MS} ms, and does not listen until then$`,
    ),
  );
  await looks.until(5);
  expect(second.opened()).toBe(false);
  expect(log.lines.filter((line) => STANDING_BY.test(line.msg))).toHaveLength(1);

  await first.close();
  const store = await second.opening;
  expect(await redis.run('GET', keys.writer)).toMatch(new RegExp(`^pid ${process.pid} on `));
  // The queues are the first hub's: the standby takes over where it stopped.
  expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['before']);
  expect((await store.enqueue(message('driver', 'after'))).status).toBe('stored');
  expect(log.lines.filter((line) => line.level >= WARN)).toEqual([]);
});

it('goes on standing by while a shared hub, started by mistake, is fenced beside the active hub; it is refused only when the lease comes free with that hub still beating', async () => {
  const first = await active();
  const looks = await watchLooks();
  const second = standby();
  let refused: Error | undefined;
  second.opening.catch((err: Error) => (refused = err));
  await looks.until(2);
  const shared = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix: PREFIX, logger: silentLogger, shared: { maxQueueLength: 10, maxTotalMessages: 10, claimLeaseMs: 1_000 } });
  cleanups.push(() => shared.close());
  await expect(shared.enqueue(message('driver', 'm1'))).rejects.toThrow(StoreFencedError);
  await looks.until(8);
  expect({ opened: second.opened(), refused }).toEqual({ opened: false, refused: undefined });

  // The active hub stops with the shared hub still beating: the standby may not write alone now.
  await first.close();
  await expect(second.opening).rejects.toThrow(/shared hubs \(--shared\) serve .* start this hub with --shared too/);
  expect(await redis.run('GET', keys.writer)).toBeNull();
});

it('takes over a lease that a killed hub left, once it runs out', async () => {
  // A hub killed a moment ago: nobody renews its lease.
  await redis.run('SET', keys.writer, ANOTHER_HUB, 'PX', 60_000);
  const epoch = Number((await redis.run('INCR', keys.epoch)) as number);
  const log = new CapturingLogger();
  const second = standby(log.logger);
  expect((await log.line(STANDING_BY)).msg).toMatch(/^standing by for hub pid 1 on elsewhere \(started 2020-01-01T00:00:00\.000Z\): it holds the writer lease .* \(for \d+ ms more\)/);
  // The minute goes by at once: the lease runs out.
  await redis.run('PEXPIRE', keys.writer, 1);
  const store = await second.opening;
  expect(Number(await redis.run('GET', keys.epoch))).toBe(epoch + 1);
  expect((await store.enqueue(message('driver', 'a'))).status).toBe('stored');
});

it('goes on standing by while Redis is gone, says so once, and takes over once Redis is back and the lease free', async () => {
  const first = await active();
  await first.enqueue(message('driver', 'before'));
  const log = new CapturingLogger();
  const second = standby(log.logger);
  await log.line(STANDING_BY);

  await redis.kill();
  expect((await log.line(/^lost the connection to Redis/)).msg).toMatch(/; this hub goes on standing by, and can take over only once it is back$/);
  await redis.restart();
  expect((await log.line(/^Redis at .* is back/)).msg).toMatch(/is back; this hub goes on standing by$/);
  // Looking again, it finds the first hub still there (it renewed the lease it had kept through the outage).
  const looks = await watchLooks();
  await looks.until(3);
  expect(second.opened()).toBe(false);

  await first.close();
  const store = await second.opening;
  expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['before']);
  expect(log.lines.map((line) => line.msg.replace(/ \(.*/, ''))).toEqual([
    `standing by for hub pid ${process.pid} on ${hostname()}`,
    'lost the connection to Redis at redis://127.0.0.1:' + redis.port + '/0',
    'Redis at redis://127.0.0.1:' + redis.port + '/0 is back; this hub goes on standing by',
  ]);
});

it('logs once that Redis fails its looks (out of memory), goes on looking, and takes over afterwards', async () => {
  const first = await active();
  const log = new CapturingLogger();
  const second = standby(log.logger);
  await log.line(STANDING_BY);
  const looks = await watchLooks();
  await redis.run('CONFIG', 'SET', 'maxmemory', '1');
  cleanups.push(() => redis.run('CONFIG', 'SET', 'maxmemory', '0'));
  expect((await log.line(/failed a look/)).msg).toMatch(
    new RegExp(`^standing by: Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 failed a look at the writer lease \\(OOM .*\\); looking again every ${POLL_MS} ms$`),
  );
  await looks.until(5);
  expect(log.lines.filter((line) => /failed a look/.test(line.msg))).toHaveLength(1);

  await redis.run('CONFIG', 'SET', 'maxmemory', '0');
  await first.close();
  const store = await second.opening;
  expect((await store.enqueue(message('driver', 'a'))).status).toBe('stored');
});

it('ends the wait when told to, taking nothing', async () => {
  await active();
  const log = new CapturingLogger();
  const second = standby(log.logger);
  await log.line(STANDING_BY);
  second.abort.abort(new Error('the hub is stopping'));
  await expect(second.opening).rejects.toThrow('the hub is stopping');
  expect(await redis.run('GET', keys.writer)).not.toBeNull();
  // Its connection is closed: only the active store's (and the test's own) remain.
  const clients = (await redis.run('CLIENT', 'LIST')) as string;
  expect(clients.split('\n').filter((line) => / name=caps-hub /.test(line))).toHaveLength(1);
});

it('tells a standby that it lost its lease, and says that it stands by again', async () => {
  const log = new CapturingLogger();
  const store = await standby(log.logger).opening;
  // Another hub took the lease (in a new epoch), as a standby does once this one's has run out.
  await redis.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, keys.writer, keys.epoch, ANOTHER_HUB);
  const lost = store.whenLost();
  await expect(store.enqueue(message('driver', 'a'))).rejects.toBeInstanceOf(StoreFencedError);
  expect((await lost).message).toMatch(
    /^this hub lost the writer lease of .* to hub pid 1 on elsewhere \(started 2020-01-01T00:00:00\.000Z\); it writes nothing more and stops serving, so that its clients move to the hub that holds the lease now; it stands by again$/,
  );
});
