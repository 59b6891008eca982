/**
 * What our vendor and driver say about their connection to the hub, written once for both:
 *
 *   VENDOR: acme-widgets connected to http://localhost:3000
 *   VENDOR: acme-widgets cannot reach the hub at http://localhost:4102/caps: connection refused (is the hub running?); retrying (3 orders queued locally)
 *   VENDOR: acme-widgets disconnected (transport close); reconnecting
 *
 * A hub that stays unreachable is reported when the cause changes, and again after 2, 4, 8, …
 * failed attempts, not on every one. Socket.IO itself backs off between attempts (connect.ts).
 */
import type { Logger } from '../logger';
import { CAPS_NAMESPACE } from '../protocol/events';
import type { CapsClientSocket } from './connect';

export interface ConnectionLogOptions {
  /** What starts each line: `VENDOR: acme-widgets`. */
  who: string;
  hubUrl: string;
  logger: Logger;
  /** What this client still has to send, for the lines, e.g. `3 orders queued locally`; empty when nothing. */
  backlog?: () => string;
}

/** Why a connection attempt failed, in words a student can act on. */
export function connectFailureCause(err: Error & { description?: unknown; data?: unknown }): string {
  // The transport's own error (`connect ECONNREFUSED …`), when there is one; not `instanceof`, as it may come from another realm.
  const inner = (err.description as { message?: unknown } | undefined)?.message;
  const detail = typeof inner === 'string' ? inner : err.message;
  if (/ECONNREFUSED/.test(detail)) return 'connection refused (is the hub running?)';
  if (/ENOTFOUND|EAI_AGAIN/.test(detail)) return 'no such host';
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(detail)) return 'no answer from that address';
  const status = /Unexpected server response: (\d+)/.exec(detail)?.[1];
  if (status) return `the server answered HTTP ${status}: not a CAPS hub`;
  if (err.message === 'Invalid namespace') return `a Socket.IO server without ${CAPS_NAMESPACE}: not a CAPS hub`;
  // The hub refused our handshake: its message says why.
  return detail;
}

export function logConnection(socket: CapsClientSocket, options: ConnectionLogOptions): void {
  const { who, logger } = options;
  const where = `${options.hubUrl}${CAPS_NAMESPACE}`;
  const backlog = () => {
    const text = options.backlog?.() ?? '';
    return text ? ` (${text})` : '';
  };
  let failures = 0;
  let lastCause: string | undefined;
  socket.on('connect', () => {
    failures = 0;
    lastCause = undefined;
    logger.info(`${who} connected to ${options.hubUrl}${backlog()}`);
  });
  socket.on('disconnect', (reason) => {
    // Socket.IO reconnects by itself, except after our own `disconnect()`.
    if (reason !== 'io client disconnect') logger.warn(`${who} disconnected (${reason}); reconnecting${backlog()}`);
  });
  socket.on('connect_error', (err) => {
    failures++;
    const cause = connectFailureCause(err);
    const isPowerOfTwo = (failures & (failures - 1)) === 0;
    if (cause === lastCause && !isPowerOfTwo) return;
    const attempts = cause === lastCause ? ` after ${failures} attempts` : '';
    lastCause = cause;
    logger.warn(`${who} cannot reach the hub at ${where}${attempts}: ${cause}; retrying${backlog()}`);
  });
}
