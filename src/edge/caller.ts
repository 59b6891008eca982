/**
 * Where a request comes from, as the hub's trust decisions see it.
 *
 * A request that reaches the hub from a loopback address but carries `X-Forwarded-For` came
 * through a proxy on this machine (nginx in front of the hub for TLS, docs/security.md): its real
 * caller is the proxy's last entry, which the proxy appended itself. Without this, every caller
 * behind such a proxy would pass for the hub's own machine. A local process that forges the
 * header only makes itself look less trusted. Callers that are not loopback are taken at their
 * socket's address: their headers are theirs to forge.
 */
import type { IncomingMessage } from 'node:http';

export interface CallerAddress {
  /** The address trust and limits apply to. */
  address: string;
  /** True when that address is this machine's. */
  loopback: boolean;
}

/** The caller of `req`, with a local proxy's `X-Forwarded-For` taken into account. */
export function callerAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>): CallerAddress {
  const peer = plain(req.socket.remoteAddress ?? '');
  if (!isLoopback(peer)) return { address: peer, loopback: false };
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',').pop()?.trim();
  if (!last) return { address: peer, loopback: true };
  // A proxy that forwards a local caller says so; anything else is treated as remote.
  return { address: plain(last), loopback: isLoopback(last) };
}

/** An IPv4 address as people write it, also when it arrived mapped into IPv6 (`::ffff:10.0.0.2`). */
function plain(address: string): string {
  return address.replace(/^::ffff:(?=\d{1,3}(\.\d{1,3}){3}$)/i, '');
}

/** True for 127.0.0.0/8 and ::1, including IPv4 addresses mapped into IPv6. */
export function isLoopback(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  return plain === '::1' || /^127(\.\d{1,3}){3}$/.test(plain);
}
