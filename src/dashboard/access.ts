/**
 * Who may use the dashboard's controls (and open `/control`): the access policy, in one function.
 *
 * Looking is open to anyone who can reach the hub. Acting is allowed to
 * - a caller that presents the configured `DASHBOARD_TOKEN` (when one is set), from anywhere; or
 * - a caller on the hub's own machine (a loopback address), unless it is a browser page from
 *   another site: browsers send `Origin` on every WebSocket handshake and Socket.IO does not check
 *   it, so without this any web page open on the teacher's machine could pause the drivers.
 *
 * A reverse proxy on the same machine makes every caller look local; put a token in front of it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { Access } from '../protocol/dashboard';

/** What the policy looks at, taken from a Socket.IO handshake by {@link callerOf}. */
export interface Caller {
  /** The peer address, as Node reports it (`127.0.0.1`, `::1`, `::ffff:10.0.0.2`, …). */
  address: string;
  /** The `Origin` header, which browsers send and Node clients usually do not. */
  origin?: string | undefined;
  /** The `Host` header the caller used. */
  host?: string | undefined;
  /** What the caller put in `auth.token`; anything at all, as it arrived. */
  token?: unknown;
}

/** The parts of a Socket.IO handshake the policy needs. */
export function callerOf(handshake: Pick<Socket['handshake'], 'address' | 'headers' | 'auth'>): Caller {
  const auth = (handshake.auth ?? {}) as Record<string, unknown>;
  return { address: handshake.address, origin: handshake.headers.origin, host: handshake.headers.host, token: auth.token };
}

/** True for 127.0.0.0/8 and ::1, including IPv4 addresses mapped into IPv6. */
export function isLoopback(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  return plain === '::1' || /^127(\.\d{1,3}){3}$/.test(plain);
}

/**
 * Decides whether `caller` may use the controls. `configuredToken` is `DASHBOARD_TOKEN`; empty
 * means no token opens them, so only local callers may act.
 */
export function controlAccess(caller: Caller, configuredToken: string): Access {
  if (configuredToken !== '' && typeof caller.token === 'string' && sameSecret(caller.token, configuredToken)) {
    return { canControl: true, why: 'the token matches DASHBOARD_TOKEN' };
  }
  const tokenNote = caller.token !== undefined && caller.token !== '' ? ' (the token given does not match DASHBOARD_TOKEN)' : '';
  if (!isLoopback(caller.address)) {
    return {
      canControl: false,
      why: configuredToken === ''
        ? `controls answer only to callers on the hub's machine; ${caller.address} is not one, and no DASHBOARD_TOKEN is set`
        : `controls answer only to callers on the hub's machine or with the DASHBOARD_TOKEN${tokenNote}`,
    };
  }
  if (caller.origin !== undefined && !sameOrigin(caller.origin, caller.host)) {
    return { canControl: false, why: `a page from ${caller.origin} may watch but not control this hub${tokenNote}` };
  }
  return { canControl: true, why: "you are on the hub's machine" };
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
