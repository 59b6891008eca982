/**
 * At-least-once sending from a client: emit, wait for the hub's ack, and on a timeout or a
 * "try again later" answer (`queue_full`, `unavailable`) send the same payload again, with the
 * same message id, until the hub has it. The hub de-duplicates by message id, so a retry of
 * something that did arrive is stored once.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { StoredAck } from '../protocol/acks';
import type { Envelope } from '../protocol/envelope';
import type { CapsClientSocket } from './connect';

export interface RetryPolicy {
  /** How long to wait for one ack. */
  ackTimeoutMs: number;
  /** The first pause after a "try again later" answer; it doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { ackTimeoutMs: 5000, backoffMs: 200, maxBackoffMs: 5000 };

const RETRYABLE = new Set(['queue_full', 'unavailable']);

/** Thrown when the hub refuses a message for good (`invalid_payload`, `forbidden`). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Sends `envelope` as `event` until the hub stores it. Resolves with the hub's answer (which says
 * whether it was a duplicate); rejects with `RefusedError` if the hub refuses it for good, or
 * with the signal's reason once `signal` aborts.
 */
export async function sendReliably(
  socket: CapsClientSocket,
  event: 'pickup' | 'delivered',
  envelope: Envelope,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (why: string) => void } = {},
): Promise<StoredAck & { ok: true }> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let backoff = policy.backoffMs;
  for (;;) {
    options.signal?.throwIfAborted();
    let answer: StoredAck;
    try {
      answer = await socket.timeout(policy.ackTimeoutMs).emitWithAck(event, envelope);
    } catch {
      options.onRetry?.('timeout');
      continue; // no answer in time: the hub may or may not have it; the same id makes a retry safe
    }
    if (answer.ok) return answer;
    if (!RETRYABLE.has(answer.error.code)) throw new RefusedError(answer.error.code, answer.error.message);
    options.onRetry?.(answer.error.code);
    await pause(backoff, undefined, { signal: options.signal });
    backoff = Math.min(backoff * 2, policy.maxBackoffMs);
  }
}
