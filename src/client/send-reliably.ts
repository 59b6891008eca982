/**
 * At-least-once sending from a client: emit, wait for the hub's ack, and on a timeout or a
 * "try again later" answer (`queue_full`, `unavailable`) send the same payload again, with the
 * same message id, until the hub has it. The hub de-duplicates by message id, so a retry of
 * something that did arrive is stored once; a driver's `claim` of a pickup it holds already is
 * answered as the first was.
 *
 * While the client is disconnected nothing is sent: the message waits for the next connect, so a
 * hub that is down costs no retries (and no log lines) per pending message. The link may connect
 * to another hub than the last (hub-link.ts): each attempt goes to whichever it is connected to.
 */
import type { Result } from '../protocol/acks';
import type { AckOf, ClientToHubEvents } from '../protocol/events';
import type { HubLink } from './hub-link';
import type { Stopper } from './stopper';

export interface RetryPolicy {
  /** How long to wait for one ack. */
  ackTimeoutMs: number;
  /** The first pause after a timeout or a "try again later" answer; it doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { ackTimeoutMs: 5000, backoffMs: 200, maxBackoffMs: 5000 };

const RETRYABLE = new Set(['queue_full', 'unavailable']);

/** The events our clients send until the hub has them: each names its message by id. */
type ReliableEvent = 'pickup' | 'delivered' | 'claim';

/** `emitWithAck` for one event `E`: Socket.IO's typings cannot follow an event name that is a type parameter. */
type AskHub<E extends ReliableEvent> = { emitWithAck(event: E, payload: Parameters<ClientToHubEvents[E]>[0]): Promise<AckOf<E>> };

/** Thrown when the hub refuses a message for good (`invalid_payload`, `forbidden`). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Sends `payload` as `event` until the hub stores it. Resolves with the hub's answer (for a
 * `pickup` or `delivered`, it says whether it was a duplicate); rejects with `RefusedError` if
 * the hub refuses it for good, or with the stop's reason once `stopper` stops.
 */
export async function sendReliably<E extends ReliableEvent>(
  link: Pick<HubLink, 'socket' | 'whenConnected'>,
  event: E,
  payload: Parameters<ClientToHubEvents[E]>[0],
  stopper: Stopper,
  options: { policy?: RetryPolicy | undefined; onRetry?: (why: string) => void } = {},
): Promise<AckOf<E> & { ok: true }> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let backoff = policy.backoffMs;
  for (;;) {
    stopper.throwIfStopped();
    if (link.socket.disconnected) await stopper.race(link.whenConnected());
    // `undefined`: no answer in time. The hub may or may not have it; the same id makes a retry safe.
    const hub = link.socket.timeout(policy.ackTimeoutMs) as unknown as AskHub<E>;
    const answer: Result | undefined = await stopper.race(hub.emitWithAck(event, payload).catch(() => undefined));
    if (answer?.ok) return answer as AckOf<E> & { ok: true };
    if (answer && !RETRYABLE.has(answer.error.code)) throw new RefusedError(answer.error.code, answer.error.message);
    options.onRetry?.(answer?.error.code ?? 'timeout');
    await stopper.sleep(backoff);
    backoff = Math.min(backoff * 2, policy.maxBackoffMs);
  }
}
