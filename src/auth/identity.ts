/**
 * Who is on the other end of a socket, decided once, at connect, by {@link authenticate}: a
 * Socket.IO middleware for `/caps` (and usable for `/control`).
 *
 * Every connection is one of two kinds:
 * - **authenticated**: it presented a valid token (token.ts) in `auth.token`. Its identity is the
 *   token's claims; what its handshake says must agree with them, or it is refused.
 * - **anonymous**: no token, as classroom clients connect. Allowed from this machine only
 *   (loopback; the engine has already refused pages from other origins, edge/origin-policy.ts),
 *   or from anywhere with `CLASSROOM=open`. An anonymous client has the lab's powers and no
 *   more: a CAPS handshake (a role, a client id) without a token is refused, as only a token can
 *   vouch for it.
 *
 * A session that Socket.IO recovers after a short drop (classroom clients) is the same identity
 * only for the same credential: the same token's claims, or, anonymous, the same loopback rule (a
 * session begun on this machine is not recovered from elsewhere). Otherwise it is refused.
 *
 * A refusal reaches the client as `connect_error`, with a message for people and `data.code` for
 * programs: `invalid_token`, `token_expired`, `forbidden` (the token is not for what the handshake
 * claims, or not for this namespace) or `unauthenticated` (no token, not on this machine).
 *
 * The identity is left on `socket.data.identity` for the handlers to check against. The token
 * itself is then dropped from the handshake (`auth.token` becomes `undefined`): the identity stands
 * for it, and a connection need not hold its credential, a few hundred bytes, for as long as it
 * lives (docs/benchmarks.md).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { Callers } from '../edge/caller';
import { verifyToken, type TokenClaims, type TokenRole } from './token';

/** Who a socket is, as the hub decided at connect. */
export type Identity =
  | ({ kind: 'authenticated'; address: string } & TokenClaims)
  | { kind: 'anonymous'; address: string; loopback: boolean };

/** Why a connection was refused (`connect_error`'s `data.code`); `internal` is a bug, and says so. */
export type RefusalCode = 'invalid_token' | 'token_expired' | 'forbidden' | 'unauthenticated' | 'internal';

/** What a handshake says about who the client is; the parts a token must agree with. */
export interface ClaimedIdentity {
  role?: string;
  clientId?: string;
  store?: string;
}

/** The socket fields the middleware reads and writes; `/caps` and `/control` sockets both have them. */
export type AuthenticatedSocket = Pick<Socket, 'handshake' | 'recovered'> & {
  request: IncomingMessage;
  data: { identity?: Identity; handshake?: ClaimedIdentity };
};

export interface AuthenticateOptions {
  /** The key tokens are signed with (secret.ts). */
  key: Uint8Array;
  /** `CLASSROOM`: whether anonymous clients may connect from other machines. */
  classroom: 'local' | 'open';
  /** The roles this namespace serves: `/caps` serves vendors and drivers. */
  roles: readonly TokenRole[];
  /** Who a connection's caller is (the hub's, from `TRUSTED_PROXIES`): its address, and whether it is on this machine. */
  callers: Callers;
  /** The hub's clock, for expiry (tests pass one). */
  now?: () => Date;
}

/**
 * The middleware. On `/caps` it runs after the handshake has been parsed into `socket.data.handshake`,
 * which it compares with the token's claims.
 */
export function authenticate(options: AuthenticateOptions): (socket: AuthenticatedSocket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    resolveIdentity(socket, options).then(
      (result) => {
        if ('refused' in result) return next(Object.assign(new Error(result.message), { data: { code: result.refused } }));
        // A recovered session brings its old identity back in `data`; it must be this caller's.
        const previous = socket.recovered ? socket.data.identity : undefined;
        if (previous && !sameCredential(previous, result.identity)) {
          const code: RefusalCode = 'forbidden';
          return next(Object.assign(new Error('this session belongs to another client; connect afresh'), { data: { code } }));
        }
        socket.data.identity = result.identity;
        forgetToken(socket);
        next();
      },
      (err: unknown) => {
        const code: RefusalCode = 'internal';
        next(Object.assign(new Error(`the hub could not check this connection: ${(err as Error).message}`), { data: { code } }));
      },
    );
  };
}

/** Drops the checked token from `socket`'s handshake; nothing reads it after this middleware. */
function forgetToken(socket: AuthenticatedSocket): void {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  if (auth?.token !== undefined) auth.token = undefined;
}

type Resolution = { identity: Identity } | { refused: RefusalCode; message: string };

async function resolveIdentity(socket: AuthenticatedSocket, options: AuthenticateOptions): Promise<Resolution> {
  const caller = options.callers.of(socket.request);
  const token = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
  if (token === undefined) {
    const claimed = socket.data.handshake;
    if (claimed?.role !== undefined) {
      return {
        refused: 'unauthenticated',
        message: `a ${claimed.role} handshake needs a token to vouch for it (our clients sign one with the hub's secret on its machine, or take CAPS_TOKEN from npm run token); a client with no token speaks the lab's protocol`,
      };
    }
    if (caller.loopback || options.classroom === 'open') return { identity: { kind: 'anonymous', ...caller } };
    return {
      refused: 'unauthenticated',
      message: `clients without a token may connect only from the hub's own machine, and ${caller.address} is not it: present a token (npm run token on the hub's machine), or start the hub with CLASSROOM=open`,
    };
  }
  if (typeof token !== 'string') return { refused: 'invalid_token', message: `auth.token must be a string, not ${token === null ? 'null' : typeof token}` };
  const checked = await verifyToken(options.key, token, options.now?.());
  if (!checked.ok) return { refused: checked.code, message: checked.message };
  const mismatch = disagreement(checked.claims, socket.data.handshake, options.roles);
  if (mismatch) return { refused: 'forbidden', message: mismatch };
  return { identity: { kind: 'authenticated', address: caller.address, ...checked.claims } };
}

/** Where the handshake and the token disagree, in words; `undefined` if they agree. */
function disagreement(claims: TokenClaims, claimed: ClaimedIdentity | undefined, roles: readonly TokenRole[]): string | undefined {
  if (!roles.includes(claims.role)) return `a ${claims.role} token cannot open this namespace (it serves ${roles.join(' and ')})`;
  if (!claimed) return undefined;
  if (claimed.role !== undefined && claimed.role !== claims.role) return `this token is for a ${claims.role}, and the handshake says ${claimed.role}`;
  if (claims.role === 'vendor' && claimed.store !== undefined && claimed.store !== claims.store) {
    return `this token is for store ${claims.store}, not ${claimed.store}`;
  }
  if (claimed.clientId !== undefined && claimed.clientId !== claims.clientId) return `this token is for client ${claims.clientId}, not ${claimed.clientId}`;
  return undefined;
}

/**
 * Whether a connection with identity `next` may stand in for one with `previous`: take over its
 * client id, or recover its session. For a token, the same claims; anonymous, the same loopback
 * rule: what began on this machine continues only from this machine.
 */
export function sameCredential(previous: Identity, next: Identity): boolean {
  if (previous.kind === 'anonymous' || next.kind === 'anonymous') {
    return previous.kind === 'anonymous' && next.kind === 'anonymous' && (next.loopback || !previous.loopback);
  }
  return credentialKey(previous) === credentialKey(next);
}

/** The claims of a token, in a fixed order: two tokens with the same key are the same credential. */
function credentialKey(identity: TokenClaims): string {
  switch (identity.role) {
    case 'vendor':
      return JSON.stringify(['vendor', identity.clientId, identity.store]);
    case 'driver':
      return JSON.stringify(['driver', identity.clientId, identity.name]);
    case 'dashboard':
      return JSON.stringify(['dashboard', identity.clientId]);
  }
}
