/**
 * How every CAPS command starts and fails: `main` runs once; if it fails because of something the
 * user can fix (a bad environment value, a port in use, a store directory that cannot be used, a
 * Redis that cannot be reached or whose prefix another hub writes under), the command prints one
 * line naming the problem and exits 1. Anything else is a bug, printed with its stack, and also
 * exits 1.
 */
import { ConfigError } from '../config';
import { StoreDirError, UnknownStoreError } from '../queue/create-store';
import { RedisUnreachableError, WriterLeaseHeldError } from '../queue/redis/errors';

/** A failure the user can fix, reported as one line without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE_ERRORS = [ConfigError, UsageError, StoreDirError, UnknownStoreError, RedisUnreachableError, WriterLeaseHeldError];

export function runCli(command: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    const usage = USAGE_ERRORS.some((kind) => err instanceof kind);
    console.error(`${command}: ${usage ? (err as Error).message : err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
