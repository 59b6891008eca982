/**
 * What our vendor and driver say about their connection to the hub, written once for both:
 *
 *   VENDOR: acme-widgets connected to http://localhost:3000
 *   VENDOR: acme-widgets cannot reach the hub at http://localhost:4102/caps: connection refused (is the hub running?); retrying (3 orders queued locally)
 *   VENDOR: acme-widgets disconnected (transport close); reconnecting
 *
 * and, given several hubs, one line each time it moves to another (hub-link.ts):
 *
 *   VENDOR: acme-widgets: hub http://localhost:4102 unreachable: connection refused (is the hub running?); trying http://localhost:4103
 *   VENDOR: acme-widgets: lost hub http://localhost:4103 (transport close); trying http://localhost:4102 (3 orders queued locally)
 *
 * Hubs that stay unreachable are reported when a hub fails for a new cause, and again after 2, 4,
 * 8, … failed attempts in a row (at any hub), not on every one. The link backs off between attempts.
 */
import type { Logger } from '../logger';
import { CAPS_NAMESPACE } from '../protocol/events';
import type { HubFailure, HubLink } from './hub-link';

export interface ConnectionLogOptions {
  /** What starts each line: `VENDOR: acme-widgets`. */
  who: string;
  logger: Logger;
  /** What this client still has to send, for the lines, e.g. `3 orders queued locally`; empty when nothing. */
  backlog?: () => string;
}

/** Why a connection attempt failed, in words a student can act on. */
function connectFailureCause(err: Error & { description?: unknown; data?: unknown }): string {
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

export function logConnection(link: HubLink, options: ConnectionLogOptions): void {
  const { who, logger } = options;
  const backlog = () => {
    const text = options.backlog?.() ?? '';
    return text ? ` (${text})` : '';
  };
  let failures = 0;
  const told = new Set<string>();
  /** For a failed attempt: '' to tell it, ` after n attempts` to tell it again, `undefined` to say nothing. */
  const attempts = (what: string): string | undefined => {
    failures++;
    if (!told.has(what)) {
      told.add(what);
      return '';
    }
    return (failures & (failures - 1)) === 0 ? ` after ${failures} attempts` : undefined;
  };
  link.forEachSocket((socket, url) => {
    socket.on('connect', () => {
      failures = 0;
      told.clear();
      logger.info(`${who} connected to ${url}${backlog()}`);
    });
    // When the link has moved to another hub, its `switch` line said why; these are for one hub.
    socket.on('disconnect', (reason) => {
      // Socket.IO reconnects by itself, except after our own `disconnect()`.
      if (reason !== 'io client disconnect' && link.socket === socket) logger.warn(`${who} disconnected (${reason}); reconnecting${backlog()}`);
    });
    socket.on('connect_error', (err) => {
      if (link.socket !== socket) return;
      const cause = connectFailureCause(err);
      const again = attempts(cause);
      if (again !== undefined) logger.warn(`${who} cannot reach the hub at ${url}${CAPS_NAMESPACE}${again}: ${cause}; retrying${backlog()}`);
    });
  });
  link.on('switch', (from: string, to: string, failure: HubFailure) => {
    if (failure.kind === 'lost') return logger.warn(`${who}: lost hub ${from} (${failure.reason}); trying ${to}${backlog()}`);
    const cause = connectFailureCause(failure.error);
    const again = attempts(`${from} ${cause}`);
    if (again !== undefined) logger.warn(`${who}: hub ${from} unreachable${again}: ${cause}; trying ${to}${backlog()}`);
  });
}
