/**
 * The Redis store's writer lease (src/queue/redis/writer-lease.ts) on a private redis-server: one
 * store writes under a prefix, a second is refused, a lease a stopped hub left is taken over, and
 * a store that lost its lease writes nothing more. "Another hub" is played by a raw client that
 * writes the lease keys as a hub would.
 */
import { StoreFencedError, WriterLeaseHeldError } from '../../src/queue/redis/errors';
import { RedisKeys } from '../../src/queue/redis/keys';
import Redis from 'ioredis';
import { Scripts } from '../../src/queue/redis/scripts';
import { DEFAULT_LEASE_MS, WriterLease } from '../../src/queue/redis/writer-lease';
import { RedisStore } from '../../src/queue/redis-store';
import { CapturingLogger, silentLogger } from '../helpers/setup';
import { RedisServer } from '../helpers/redis-server';
import { message } from './store-contract';

let redis: RedisServer;
beforeAll(async () => (redis = await RedisServer.start()));
afterAll(() => redis?.cleanup());

const opened: RedisStore[] = [];
afterEach(async () => {
  await Promise.all(opened.map((store) => store.close()));
  opened.length = 0;
});

let prefixes = 0;
const freshPrefix = () => `lease-${++prefixes}:`;
/** Renewed every second, so that a second store sees the first one renew soon. */
const LEASE_MS = 3_000;
const ANOTHER_HUB = 'pid 1 on elsewhere (started 2020-01-01T00:00:00.000Z) #other';

async function open(prefix: string, logger = silentLogger, leaseMs = LEASE_MS): Promise<RedisStore> {
  const store = await RedisStore.open(redis.spec, { dedupWindowMs: 60_000, prefix, logger, leaseMs });
  opened.push(store);
  return store;
}

const WARN = 40;
const ERROR = 50;

it('refuses a second store on the same prefix, naming the first hub; another prefix is free', async () => {
  const prefix = freshPrefix();
  // The default lease, so that only a pause of many seconds could let it lapse before the second store looks.
  await open(prefix, silentLogger, DEFAULT_LEASE_MS);
  const second = open(prefix);
  await expect(second).rejects.toBeInstanceOf(WriterLeaseHeldError);
  await expect(second).rejects.toThrow(
    new RegExp(
      `^the writer lease of redis://127\\.0\\.0\\.1:${redis.port}/0 prefix "${prefix}" is held by another running hub pid ${process.pid} on \\S+ \\(started [0-9T:.Z-]+\\): ` +
        'to run several hubs on one Redis prefix, start every one of them with --shared \\(CAPS_SHARED=true\\); or give this one its own CAPS_REDIS_PREFIX$',
    ),
  );
  const elsewhere = await open(freshPrefix());
  expect((await elsewhere.enqueue(message('driver', 'a'))).status).toBe('stored');
});

it('gives the lease up on close, so that the next store on the prefix starts at once', async () => {
  const prefix = freshPrefix();
  const first = await open(prefix);
  await first.enqueue(message('driver', 'a'));
  await first.close();
  expect(await redis.run('EXISTS', new RedisKeys(prefix).writer)).toBe(0);
  const next = await open(prefix);
  expect((await next.list('driver')).map((m) => m.messageId)).toEqual(['a']);
});

it('takes over a lease that a stopped hub left, once it has expired', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  // A hub killed a moment ago: its lease runs out, and nobody renews it.
  await redis.run('SET', keys.writer, ANOTHER_HUB, 'PX', 2_000);
  const log = new CapturingLogger();
  const store = await open(prefix, log.logger);
  expect(await log.line(/is held by hub pid 1 on elsewhere/)).toMatchObject({ level: WARN, msg: expect.stringMatching(/waiting to see whether that hub still runs/) });
  expect(await redis.run('GET', keys.writer)).toMatch(new RegExp(`^pid ${process.pid} on `));
  expect((await store.enqueue(message('driver', 'a'))).status).toBe('stored');
});

it('writes nothing more once another hub took its lease, says so, and reports itself down', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  const log = new CapturingLogger();
  const store = await open(prefix, log.logger);
  await store.enqueue(message('driver', 'before'));
  // Another hub took the lease (in a new epoch), as it could once this one's had expired.
  await redis.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, keys.writer, keys.epoch, ANOTHER_HUB);

  await expect(store.enqueue(message('driver', 'after'))).rejects.toBeInstanceOf(StoreFencedError);
  expect(await log.line(/lost the writer lease/)).toMatchObject({
    level: ERROR,
    msg: expect.stringMatching(/to hub pid 1 on elsewhere \(started 2020-01-01T00:00:00\.000Z\); it writes nothing more until it is restarted/),
  });
  expect(store.health()).toMatchObject({ up: false, reason: expect.stringMatching(/lost the writer lease/) });
  expect(await redis.run('ZRANGE', keys.live('driver'), 0, -1)).toEqual(['before']);

  // Even with the other hub gone, this one stays fenced: its picture of the queues may be stale.
  await redis.run('DEL', keys.writer);
  await expect(store.ack({ queueId: 'driver', messageId: 'before' })).rejects.toBeInstanceOf(StoreFencedError);
  expect(await redis.run('ZRANGE', keys.live('driver'), 0, -1)).toEqual(['before']);
  // Reads still answer.
  expect((await store.list('driver')).map((m) => m.messageId)).toEqual(['before']);
});

it('takes its lease back when it expired and nobody took it since', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  const store = await open(prefix);
  const token = await redis.run('GET', keys.writer);
  await redis.run('DEL', keys.writer); // as if it had expired (a long pause, a Redis restart)
  expect((await store.enqueue(message('driver', 'a'))).status).toBe('stored');
  expect(await redis.run('GET', keys.writer)).toBe(token);
  expect(store.health()).toEqual({ up: true });
});

it('does not take its lease back once another hub has held it, even if that one is gone now', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  const store = await open(prefix);
  // Another hub took the expired lease, wrote, and stopped: the epoch moved on.
  await redis.run('EVAL', "redis.call('DEL', KEYS[1]); return redis.call('INCR', KEYS[2])", 2, keys.writer, keys.epoch);
  await expect(store.enqueue(message('driver', 'a'))).rejects.toBeInstanceOf(StoreFencedError);
  expect(await redis.run('EXISTS', keys.writer)).toBe(0);
  expect(await redis.run('ZCARD', keys.live('driver'))).toBe(0);
});

it('writes nothing more once Redis has lost its data (restarted without its append-only file)', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  const log = new CapturingLogger();
  const store = await open(prefix, log.logger);
  await store.enqueue(message('driver', 'a'));
  await redis.run('DEL', keys.writer, keys.epoch, keys.seq, keys.live('driver'), keys.body('driver'), keys.liveCounts);
  await expect(store.enqueue(message('driver', 'b'))).rejects.toBeInstanceOf(StoreFencedError);
  expect((await log.line(/lost the writer lease/)).msg).toMatch(/to another hub that has since stopped, or Redis lost its data;/);
  expect(await redis.run('EXISTS', keys.writer, keys.seq)).toBe(0);
});

it('finds out by its own renewal that the lease was taken, before any write does', async () => {
  const prefix = freshPrefix();
  const keys = new RedisKeys(prefix);
  const log = new CapturingLogger();
  const store = await open(prefix, log.logger);
  await redis.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, keys.writer, keys.epoch, ANOTHER_HUB);
  expect((await log.line(/lost the writer lease/)).level).toBe(ERROR);
  expect(store.health()).toMatchObject({ up: false });
  // The store did not take the lease back: the other hub still holds it.
  expect(await redis.run('GET', keys.writer)).toBe(ANOTHER_HUB);
});

it('hands the lease to a hub whose earlier try took it but never got the reply', async () => {
  const keys = new RedisKeys(freshPrefix());
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  try {
    const token = WriterLease.token();
    // What that try wrote before Redis went away with its reply.
    await redis.run('SET', keys.writer, token, 'PX', LEASE_MS);
    await redis.run('SET', keys.epoch, 7);
    const lease = await WriterLease.attempt(new Scripts(client), keys, token, { leaseMs: LEASE_MS, logger: silentLogger, where: 'test' });
    expect(lease).toBeInstanceOf(WriterLease);
    expect((lease as WriterLease).fence.args).toEqual([token, '7', String(LEASE_MS)]);
    await (lease as WriterLease).release();
  } finally {
    client.disconnect();
  }
});
