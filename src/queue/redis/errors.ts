/**
 * What the Redis store rejects with. The first two stop a hub at start, as one line the user can
 * act on (src/cli/run.ts prints them without a stack); the last two are failures of a running
 * store, which the hub answers `unavailable`. This file loads nothing, so that the CLI can name
 * these classes without loading the Redis client.
 */

/** Redis could not be reached, or refused the connection, when the store was opened. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

/** Another hub holds the writer lease of this Redis prefix (see writer-lease.ts). */
export class WriterLeaseHeldError extends Error {
  override readonly name = 'WriterLeaseHeldError';
}

/** A call failed because Redis is unreachable or failed it; retrying later may succeed. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * This hub lost its writer lease to another hub: its picture of the queues may be stale, so it
 * writes nothing more until it is restarted.
 */
export class StoreFencedError extends Error {
  override readonly name = 'StoreFencedError';
}
