/**
 * Where a request comes from, as the hub's trust decisions see it: the per-address connection
 * limits (edge-guard.ts), who may connect without a token (auth/identity.ts) and who is on the
 * hub's machine for the dashboard (dashboard/access.ts). One {@link Callers} is made from the
 * hub's `TRUSTED_PROXIES` when it starts, and each of them asks it.
 */
import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import { listed, proxyList } from './proxy-list';

export interface CallerAddress {
  /** The address trust and limits apply to. */
  address: string;
  /** True when that address is this machine's. */
  loopback: boolean;
}

/** What {@link Callers.of} reads of a request: an HTTP request, or a Socket.IO socket's `request`. */
export type CallerRequest = Pick<IncomingMessage, 'headers' | 'socket'>;

/** Decides the caller of each request, believing `X-Forwarded-For` from trusted proxies only. */
export class Callers {
  private readonly proxies: BlockList;

  /**
   * @param trustedProxies `TRUSTED_PROXIES`: the addresses, or ranges (`10.0.0.0/24`), of the
   *   proxies in front of the hub on other machines (a load balancer; proxy-list.ts). Loopback
   *   addresses are trusted without being listed.
   */
  constructor(trustedProxies: readonly string[]) {
    this.proxies = proxyList(trustedProxies);
  }

  /**
   * The caller of `req`: the address the request comes from, with what trusted proxies say about
   * it in `X-Forwarded-For` taken into account.
   *
   * A proxy is **trusted** when its address is loopback (a reverse proxy on this machine, nginx for
   * TLS: docs/security.md) or listed in `TRUSTED_PROXIES` (a load balancer on another machine:
   * docs/scaling.md). Each proxy appends the address it received the request from to the header,
   * so the header reads left to right from the farthest hop to the nearest, and only the entries
   * appended by trusted proxies can be believed: anything to their left may be the caller's own
   * invention.
   *
   * The rule, as Express's `trust proxy` with a list ("rightmost untrusted"):
   * - A TCP peer that is not trusted is the caller, whatever its headers say (they are its own to
   *   forge).
   * - Otherwise the header is walked from its right end, and the caller is the first entry that is
   *   not itself a trusted proxy: with two proxies in a row (`client, proxyA` from `proxyB`), both
   *   trusted, the caller is `client`.
   * - A header naming only trusted proxies (a health check, or a client on a proxy's machine)
   *   gives its leftmost entry: the farthest hop there is to see. No header gives the peer itself.
   * - A loopback address means "this machine" only when the hops that reported it are on this
   *   machine too. Written by a proxy on another machine it means *that* machine, so the caller is
   *   that proxy's address, not loopback: a process on the load balancer's machine gets no more
   *   than the balancer, never the rights of one on the hub's.
   *
   * An IPv4 address mapped into IPv6 (`::ffff:10.0.0.2`, as Node reports IPv4 peers of a
   * dual-stack socket) is taken as the IPv4 address, and the caller is reported in that form.
   * `loopback` is true only for a loopback address on this machine.
   *
   * @example
   *   const callers = new Callers(['10.0.0.5']);
   *   // from 10.0.0.5, X-Forwarded-For: 203.0.113.9 → { address: '203.0.113.9', loopback: false }
   *   // from 10.0.0.7 (not listed), same header  → { address: '10.0.0.7', loopback: false }
   *   callers.of(req);
   */
  of(req: CallerRequest): CallerAddress {
    const peer = plain(req.socket.remoteAddress ?? '');
    // Hops from the nearest to the farthest: the peer, then the header from its right end.
    const hops = [peer, ...forwardedFor(req).reverse()];
    let at = 0;
    while (at + 1 < hops.length && this.trusts(hops[at]!)) at++;
    const caller = hops[at]!;
    if (!isLoopback(caller)) return { address: caller, loopback: false };
    // A loopback address is the loopback of the nearest non-loopback hop that passed it on.
    for (let hop = at - 1; hop >= 0; hop--) {
      if (!isLoopback(hops[hop]!)) return { address: hops[hop]!, loopback: false };
    }
    return { address: caller, loopback: true };
  }

  private trusts(address: string): boolean {
    return isLoopback(address) || listed(this.proxies, address);
  }
}

/**
 * The entries of every `X-Forwarded-For` header of `req`, left to right, blanks left out. Some
 * proxies write the port they saw too (`203.0.113.9:51234`, `[2001:db8::9]:443`): it is dropped,
 * or every connection of one caller would count as a caller of its own.
 */
function forwardedFor(req: CallerRequest): string[] {
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  return text.split(',').map((entry) => plain(withoutPort(entry.trim()))).filter((entry) => entry !== '');
}

/** `entry` without a port after it: IPv4 as `address:port`, IPv6 as `[address]:port` (or bracketed alone). */
function withoutPort(entry: string): string {
  return /^\[([^\]]+)\](?::\d+)?$/.exec(entry)?.[1] ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry)?.[1] ?? entry;
}

/** An IPv4 address as people write it, also when it arrived mapped into IPv6 (`::ffff:10.0.0.2`); IPv6 in lower case. */
function plain(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d{1,3}(\.\d{1,3}){3}$)/, '');
}

/** True for 127.0.0.0/8 and ::1, including IPv4 addresses mapped into IPv6. */
export function isLoopback(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  return plain === '::1' || /^127(\.\d{1,3}){3}$/.test(plain);
}
