/**
 * Who may see what on the dashboard, and who may use its controls: the access policy, in one
 * function. The dashboard's data names customers and their addresses, so seeing it in full goes
 * with the right to act.
 *
 * - **control**: everything in full, and the controls (and `/control`). For a caller that presents
 *   the configured `DASHBOARD_TOKEN` (when one is set), from anywhere; or a caller on the hub's own
 *   machine (a loopback address), unless it is a browser page from another site: browsers send
 *   `Origin` on every WebSocket handshake and Socket.IO does not check it, so without this any
 *   web page open on the teacher's machine could pause the drivers.
 * - **watch**: the figures and the board, with customers' names and addresses hidden; no
 *   controls. For a page from another site on the hub's machine, and, only when
 *   `DASHBOARD_WATCH=open`, for anyone else who can reach the hub.
 * - **none**: refused. Anyone off the hub's machine without the token, by default.
 *
 * The caller's address is the hub's edge's (edge/caller.ts): behind a reverse proxy on the same
 * machine, or one listed in `TRUSTED_PROXIES`, the caller the proxy names in `X-Forwarded-For`,
 * not the proxy; a loopback address only when the caller is on the hub's own machine.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { DashboardWatch } from '../config';
import { isLoopback, type Callers } from '../edge/caller';
import type { Access } from '../protocol/dashboard';

/** The settings the policy follows. */
export interface AccessPolicy {
  /** `DASHBOARD_TOKEN`; empty means no token opens anything. */
  token: string;
  /** `DASHBOARD_WATCH`: whether callers off the hub's machine may watch without the token. */
  watch: DashboardWatch;
}

/** What a caller may do: {@link Access}, or nothing at all. */
export type Decision = Access | { level: 'none'; why: string };

/** What the policy looks at, taken from a Socket.IO handshake by {@link callerOf}. */
export interface Caller {
  /** The caller's address (edge/caller.ts): `127.0.0.1`, `::1`, `10.0.0.2`, … */
  address: string;
  /** The `Origin` header, which browsers send and Node clients usually do not. */
  origin?: string | undefined;
  /** The `Host` header the caller used. */
  host?: string | undefined;
  /** What the caller put in `auth.token`; anything at all, as it arrived. */
  token?: unknown;
}

/** The parts of a Socket.IO socket's handshake the policy needs; `callers` places it (the hub's). */
export function callerOf(socket: Pick<Socket, 'handshake' | 'request'>, callers: Callers): Caller {
  const { handshake } = socket;
  const auth = (handshake.auth ?? {}) as Record<string, unknown>;
  return { address: callers.of(socket.request).address, origin: handshake.headers.origin, host: handshake.headers.host, token: auth.token };
}

/** Decides what `caller` may see and do under `policy`. */
export function accessOf(caller: Caller, policy: AccessPolicy): Decision {
  const { token, watch } = policy;
  if (token !== '' && typeof caller.token === 'string' && sameSecret(caller.token, token)) {
    return { level: 'control', why: 'the token matches DASHBOARD_TOKEN' };
  }
  const tokenNote = caller.token !== undefined && caller.token !== '' ? ' (the token given does not match DASHBOARD_TOKEN)' : '';
  if (!isLoopback(caller.address)) {
    const controls = token === ''
      ? `the dashboard answers only to callers on the hub's machine; ${caller.address} is not one, and no DASHBOARD_TOKEN is set`
      : `the dashboard answers only to callers on the hub's machine or with the DASHBOARD_TOKEN${tokenNote}`;
    return watch === 'open'
      ? { level: 'watch', why: `${controls}; anyone may watch (DASHBOARD_WATCH=open), with names and addresses hidden` }
      : { level: 'none', why: controls };
  }
  if (caller.origin !== undefined && !sameOrigin(caller.origin, caller.host)) {
    return { level: 'watch', why: `a page from ${caller.origin} may watch but not control this hub, and sees names and addresses hidden${tokenNote}` };
  }
  return { level: 'control', why: "you are on the hub's machine" };
}

/** The caller of an HTTP request, with the token of an `Authorization: Bearer …` header. */
export function requestCaller(req: IncomingMessage, callers: Callers): Caller {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return { address: callers.of(req).address, origin: req.headers.origin, host: req.headers.host, token: bearer };
}

/** The `Origin` names the host the caller connected to (the page was served by this hub). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false; // `null` (a sandboxed frame, a file) or garbage
  }
}

/** Compares in constant time; hashing first makes the lengths equal, as timingSafeEqual requires. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
