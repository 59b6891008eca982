/**
 * Picks the queue store named by `CAPS_STORE`: `memory` (the default), `lmdb:<dir>` or
 * `redis[s]://[[user][:password]@]host:port[/db]`. The lmdb driver and the Redis client are
 * loaded only when chosen.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../logger';
import { MemoryStore } from './memory-store';
import type { RedisStore, SharedSettings } from './redis-store';
import type { StandbyOptions } from './redis/standby';
import type { QueueStore, StoreOptions } from './store';
import { parseStoreSpec, redactStoreName, STORE_SPEC_GRAMMAR } from './store-spec';

/** Thrown for a `CAPS_STORE` value no store answers to. */
export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError';
}

/** Thrown when an lmdb store's directory cannot be made or written; the message says why. */
export class StoreDirError extends Error {
  override readonly name = 'StoreDirError';
}

const WHY: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

/**
 * Makes sure `dir` is a directory this process can write, before lmdb opens it. lmdb reports a
 * read-only file system as a misleading ENOENT, and Node's recursive mkdir spins for ever on a
 * path under /proc; here each missing level is made on its own, and a file is written and removed.
 */
function checkStoreDir(dir: string): void {
  const fail = (why: string) => new StoreDirError(`cannot use lmdb:${dir} as the queue store: ${why}`);
  const reason = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return WHY[code] ?? `${(err as Error).message}`;
  };
  const missing: string[] = [];
  let existing = resolve(dir);
  for (;;) {
    const stat = statSync(existing, { throwIfNoEntry: false });
    if (stat) {
      if (!stat.isDirectory()) throw fail(`${existing} is not a directory`);
      break;
    }
    missing.unshift(existing);
    existing = dirname(existing);
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (err) {
      throw fail(`cannot create ${level} (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `${dirname(level)} does not take new directories` : reason(err)})`);
    }
  }
  const probe = join(dir, `.caps-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw fail(`cannot write in it (${reason(err)})`);
  }
}

/** What the Redis store takes besides the store options. */
export interface RedisSettings {
  /** `CAPS_REDIS_PREFIX`: put before every key. */
  prefix: string;
  /** `CAPS_REDIS_LEASE_MS`: how long its writer lease runs unless renewed. */
  leaseMs: number;
  /** Where it says that Redis went away and came back. */
  logger: Logger;
  /** `CAPS_SHARED`: what the store keeps for hubs that share it; absent for a hub that writes alone. */
  shared?: SharedSettings;
}

/**
 * Opens the Redis store `spec` names (a `redis://` spec), as `createStore` does; with `standby`, a
 * hot standby's, which waits for the writer lease (standby-hub.ts). The caller must `close` it.
 */
export async function openRedisStore(spec: string, options: StoreOptions, redis: RedisSettings & { standby?: StandbyOptions }): Promise<RedisStore> {
  const parsed = parseStoreSpec(spec);
  if (parsed?.kind !== 'redis') throw new UnknownStoreError(`not a Redis store: "${redactStoreName(spec)}"; use redis[s]://[[user][:password]@]host:port[/db]`);
  // Loaded here, not at the top, so that only a hub on Redis loads the Redis client.
  const { RedisStore } = require('./redis-store') as typeof import('./redis-store');
  return RedisStore.open(parsed, { ...options, ...redis });
}

/** Opens the store `spec` names. The caller owns it and must `close` it. */
export async function createStore(spec: string, options: StoreOptions, redis: RedisSettings): Promise<QueueStore> {
  const parsed = parseStoreSpec(spec);
  if (!parsed) throw new UnknownStoreError(`unknown store "${redactStoreName(spec)}": use ${STORE_SPEC_GRAMMAR}`);
  if (parsed.kind === 'memory') return new MemoryStore(options);
  if (parsed.kind === 'redis') return openRedisStore(spec, options, redis);
  checkStoreDir(parsed.dir);
  // Loaded here, not at the top, so that a hub on the memory store never loads the native addon.
  const { LmdbStore } = require('./lmdb-store') as typeof import('./lmdb-store');
  return LmdbStore.open(parsed.dir, options);
}
