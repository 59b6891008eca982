/**
 * Which `Host` and `Origin` headers the hub answers, for Socket.IO and every HTTP route alike.
 *
 * - **Host** defends against DNS rebinding: a page at `http://evil.example:3000` whose name is
 *   made to resolve to 127.0.0.1 reaches the hub as same-origin, with `Host: evil.example:3000`.
 *   The hub answers only its own names: `localhost` (and `*.localhost`), this machine's host name,
 *   any IP address (a rebinding needs a name), and `ALLOWED_HOSTS`. As Vite and webpack's dev
 *   server do. A request with no Host comes from no browser, so it cannot be a rebinding.
 * - **Origin** defends against pages from other sites: browsers send it on every WebSocket and
 *   cross-origin request, and Socket.IO does not check it. Allowed: none at all (not a browser),
 *   the hub's own pages (Origin's host is the request's Host, which passed the check above), and
 *   `ALLOWED_ORIGINS`. `null` (sandboxed frames, files) is refused.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';

export interface OriginPolicyOptions {
  /** `ALLOWED_HOSTS`, lower case: exact names, `.example.com` for a domain and its subdomains, `*` for any. */
  allowedHosts: readonly string[];
  /** `ALLOWED_ORIGINS`, lower case, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
}

/** A refusal, or `undefined` when the request may go on. */
export type Refusal = { code: 'forbidden_host' | 'forbidden_origin'; message: string } | undefined;

export class OriginPolicy {
  private readonly ownNames: ReadonlySet<string>;

  constructor(private readonly options: OriginPolicyOptions) {
    this.ownNames = new Set(['localhost', hostname().toLowerCase()]);
  }

  /** Checks a request's `Host` and `Origin` headers. */
  check(headers: { host?: string | undefined; origin?: string | undefined }): Refusal {
    const { host, origin } = headers;
    if (host !== undefined && !this.allowsHost(host)) {
      return { code: 'forbidden_host', message: `this hub does not answer to the name ${shown(host)}; add it to ALLOWED_HOSTS if it is this hub's` };
    }
    if (origin !== undefined && !this.allowsOrigin(origin, host)) {
      return { code: 'forbidden_origin', message: `pages from ${shown(origin)} may not use this hub; add the origin to ALLOWED_ORIGINS if they should` };
    }
    return undefined;
  }

  private allowsHost(host: string): boolean {
    const name = hostName(host);
    if (name === undefined) return false;
    if (isIP(name) !== 0 || this.ownNames.has(name) || name.endsWith('.localhost')) return true;
    return this.options.allowedHosts.some((allowed) => allowed === '*' || allowed === name || (allowed.startsWith('.') && (name.endsWith(allowed) || name === allowed.slice(1))));
  }

  private allowsOrigin(origin: string, host: string | undefined): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // `null`, or garbage
    }
    if (url.origin === 'null') return false;
    return (host !== undefined && url.host === host.toLowerCase()) || this.options.allowedOrigins.includes(url.origin);
  }
}

/**
 * A header as a refusal quotes it: short, and only characters a name or origin needs. The engine
 * sends a refused upgrade's reason as text/html, and the log is read in terminals.
 */
function shown(header: string): string {
  return `"${header.slice(0, 100).replace(/[^\w.:/[\]-]/g, '?')}"`;
}

/** The name in a Host header, without its port or an IPv6 address's brackets; `undefined` if malformed. */
function hostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}
