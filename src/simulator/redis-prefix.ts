/**
 * A simulation's own part of a Redis it was given (`--store redis://…`): a key prefix no one else
 * uses, `caps-sim-<run id>:`, checked empty before the run and emptied after it, so that a run
 * never reads or changes anything else in that Redis.
 *
 * @example
 *   const prefix = newRunPrefix();
 *   if ((await countKeys(spec, prefix)) > 0) throw …;
 *   // … the hub runs with CAPS_REDIS_PREFIX=prefix …
 *   await deleteKeys(spec, prefix);
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { serverOptions } from '../queue/redis/server-options';
import { describeRedis, type RedisSpec } from '../queue/store-spec';

/** How many keys one SCAN step looks at, and one UNLINK removes at most. */
const BATCH = 500;
/** How long a connection may take before the Redis counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/** A prefix of this run's own: the time and random bytes, so that two runs never share one. */
export function newRunPrefix(): string {
  return `caps-sim-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
}

/** How many keys start with `prefix`. */
export function countKeys(spec: RedisSpec, prefix: string): Promise<number> {
  return withRedis(spec, async (redis) => {
    let count = 0;
    for await (const keys of scan(redis, prefix)) count += keys.length;
    return count;
  });
}

/** Deletes every key that starts with `prefix`; resolves with how many there were. */
export function deleteKeys(spec: RedisSpec, prefix: string): Promise<number> {
  return withRedis(spec, async (redis) => {
    let deleted = 0;
    for await (const keys of scan(redis, prefix)) if (keys.length) deleted += await redis.unlink(...keys);
    return deleted;
  });
}

/** Keys starting with `prefix`, a batch at a time (SCAN: never blocks Redis for long). */
function scan(redis: Redis, prefix: string): AsyncIterable<string[]> {
  // The prefix is matched literally: a glob's special characters in it are escaped.
  return redis.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, count: BATCH });
}

/** Runs `use` on a connection of its own to `spec`, closed afterwards; rejects naming the Redis if it cannot be reached. */
async function withRedis<T>(spec: RedisSpec, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ ...serverOptions(spec), lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // A failed connection rejects with only "Connection is closed"; the reason is in the error event
  // (which also keeps ioredis from printing it).
  let reason: Error | undefined;
  redis.on('error', (err: Error) => (reason = err));
  try {
    await redis.connect();
    return await use(redis);
  } catch (err) {
    throw new Error(`Redis at ${describeRedis(spec)}: ${(reason ?? (err as Error)).message}`, { cause: err });
  } finally {
    redis.disconnect();
  }
}
