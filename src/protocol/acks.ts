/**
 * What the hub answers through Socket.IO acknowledgements, and what our clients answer back.
 *
 * Every hub handler that is given an ack callback answers exactly once, with either `{ ok: true, … }`
 * or `{ ok: false, error }`. Lab clients pass no callback; the hub logs a warning instead.
 */

/**
 * Every reason the hub may refuse an event, written once: the type below and the run-time checks
 * (protocol/dashboard.ts) both come from this list.
 * - `invalid_payload`: the payload failed the event's schema;
 * - `queue_full`: the target queue is at MAX_QUEUE_LENGTH, or all queues together at
 *   MAX_TOTAL_MESSAGES; retry later;
 * - `limit_reached`: the hub holds MAX_QUEUES queues, or this connection has joined
 *   MAX_ROOMS_PER_SOCKET stores; nothing was changed;
 * - `forbidden`: the caller may not do this (its role, its store, dashboard controls);
 * - `not_found`: the named client, queue or message does not exist;
 * - `unavailable`: the hub is shutting down or its store failed; retry later;
 * - `internal`: a bug; the hub logged it.
 */
export const ERROR_CODES = ['invalid_payload', 'queue_full', 'limit_reached', 'forbidden', 'not_found', 'unavailable', 'internal'] as const;

/** Why the hub refused an event. Clients branch on `code`; `message` is for people. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface HubError {
  code: ErrorCode;
  message: string;
  /** For `invalid_payload`: one line per failed field, e.g. `order.customer: expected string`. */
  issues?: string[];
}

export type Failure = { ok: false; error: HubError };
export type Result<T extends object = object> = ({ ok: true } & T) | Failure;

/** Answer to `pickup` and `delivered`: stored (`duplicate` when the id was already stored). */
export type StoredAck = Result<{ messageId: string; duplicate: boolean }>;
/** Answer to `join`, `in-transit` and `received`. */
export type PlainAck = Result;
/**
 * Answer to `getAll`: how many queued messages the asker now holds unanswered, those the hub is
 * sending it included: at most its prefetch (PREFETCH, VENDOR_PREFETCH).
 */
export type GetAllAck = Result<{ count: number }>;
/** What our clients answer when the hub pushes them a queued message. */
export type ConsumerAck = { ok: true } | { ok: false; retry: boolean };

/**
 * Reads a client's answer to a delivery, or `undefined` if it is not a `ConsumerAck`. Checked by
 * hand rather than with a schema: it runs once per delivered message, and its shape is two fields.
 */
export function readConsumerAck(answer: unknown): ConsumerAck | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { ok, retry } = answer as { ok?: unknown; retry?: unknown };
  if (ok === true) return { ok: true };
  if (ok === false && typeof retry === 'boolean') return { ok: false, retry };
  return undefined;
}

export function failure(code: ErrorCode, message: string, issues?: string[]): Failure {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}
