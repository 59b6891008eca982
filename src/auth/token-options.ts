/**
 * From `npm run token`'s options (main.ts) to a token's claims, with our own clients' ids as the
 * defaults, so that a token issued for `--store acme-widgets` fits our vendor as it connects.
 */
import type { TokenClaims } from './token';

/** What `npm run token` is asked for. */
export interface TokenOptions {
  role: TokenClaims['role'];
  store?: string;
  name?: string;
  clientId?: string;
  expires?: number;
}

/** The claims the options ask for, with our clients' own ids as the defaults. */
export function claimsOf(opts: TokenOptions): TokenClaims {
  switch (opts.role) {
    case 'vendor':
      if (opts.store === undefined) throw new Error('a vendor token needs --store <name>');
      return { role: 'vendor', store: opts.store, clientId: opts.clientId ?? `vendor:${opts.store}` };
    case 'driver':
      if (opts.name === undefined) throw new Error('a driver token needs --name <name>');
      return { role: 'driver', name: opts.name, clientId: opts.clientId ?? opts.name };
    case 'dashboard':
      return { role: 'dashboard', clientId: opts.clientId ?? 'dashboard' };
  }
}
