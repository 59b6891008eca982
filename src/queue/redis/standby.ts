/**
 * A hot standby's wait for the writer lease (`npm run hub -- --standby`, `CAPS_STANDBY=true`).
 *
 * Where a hub without `--standby` stops at start because another running hub holds the lease of
 * its prefix (writer-lease.ts), a standby waits: it says once whom it stands by for, looks at the
 * lease every `pollMs` (a third of the lease's length: one cheap script a poll, so a standby costs
 * Redis next to nothing), and takes it as soon as it is free, because its holder gave it up
 * (stopped) or could not renew it (killed, or paused for longer than its lease). The hub then
 * opens its broker, which reads everything from Redis, and starts listening (hub/standby-hub.ts).
 *
 * A Redis that goes away while the hub stands by ends nothing: the connection says so once
 * (connection.ts), every look fails at once until it is back, and the wait goes on. A Redis that
 * answers a look with an error (out of memory, say) is logged once too, until a look succeeds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RedisConnection } from './connection';
import { WriterLeaseHeldError } from './errors';
import type { RedisKeys } from './keys';
import type { Scripts } from './scripts';
import { describeHolder, WriterLease, type LeaseOptions } from './writer-lease';

export interface StandbyOptions {
  /** How often to look whether the lease is free, in ms; a third of the lease's length unless a test wants less. */
  pollMs?: number;
  /** Ends the wait (the hub is being stopped): the wait rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Waits until the lease of `keys` is free, takes it, and resolves with it. */
export async function standBy(connection: RedisConnection, scripts: Scripts, keys: RedisKeys, options: LeaseOptions & StandbyOptions): Promise<WriterLease> {
  const pollMs = options.pollMs ?? Math.round(options.leaseMs / 3);
  const token = WriterLease.token();
  /** The holder last named in the log, so that each one is named once. */
  let announced: string | undefined;
  /** Whether a failed look has been logged, since the last one that succeeded. */
  let failing = false;
  connection.standingBy = true;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        const attempt = await WriterLease.attempt(scripts, keys, token, options);
        if (attempt instanceof WriterLease) return await keepUnlessAborted(attempt, options.signal);
        failing = false;
        if (attempt.holder !== announced) {
          announced = attempt.holder;
          const left = attempt.leftMs < 0 ? 'with no expiry' : `for ${attempt.leftMs} ms more`;
          options.logger.info(`standing by for ${describeHolder(attempt.holder)}: it holds the writer lease of ${options.where} (${left}); this hub takes over once the lease is free, looking every ${pollMs} ms, and does not listen until then`);
        }
      } catch (err) {
        // Shared hubs on the prefix: no wait ends that.
        if (err instanceof WriterLeaseHeldError) throw err;
        // While Redis is unreachable the connection has said so, once; an error Redis answered is said here, once.
        if (!failing && connection.up) {
          options.logger.warn(`standing by: Redis at ${connection.where} failed a look at the writer lease (${(err as Error).message}); looking again every ${pollMs} ms`);
          failing = true;
        }
      }
      // An abort ends the pause early; the loop's first line then rejects with the abort's reason.
      await delay(pollMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
  } finally {
    connection.standingBy = false;
  }
}

/** The lease just taken, or, if the wait was ended meanwhile, gives it up and rejects with the abort's reason. */
async function keepUnlessAborted(lease: WriterLease, signal: AbortSignal | undefined): Promise<WriterLease> {
  if (!signal?.aborted) return lease;
  await lease.release().catch(() => undefined); // unreachable Redis: the lease runs out by itself
  throw signal.reason;
}
