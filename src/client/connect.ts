/**
 * Connects one of our clients to a hub's `/caps` namespace, typed with the shared event map.
 * The handshake tells the hub who we are (protocol/handshake.ts) and the token proves it
 * (auth/token.ts): the hub refuses a handshake that comes without one. Socket.IO sends both again
 * on every reconnect, which it attempts forever, so a client outlives any number of hub restarts.
 * Attempts back off exponentially, with jitter, from 250 ms to at most 5 s apart.
 *
 * Our vendor and driver connect through a `HubLink` (hub-link.ts), which makes one such socket per
 * hub when they are given several and moves between them.
 */
import { Manager, type Socket } from 'socket.io-client';
import type { TokenClaims } from '../auth/token';
import { CAPS_NAMESPACE, type ClientToHubEvents, type HubToClientEvents } from '../protocol/events';
import { CAPS_PROTOCOL, type Handshake } from '../protocol/handshake';

/** A client's end of `/caps`: it listens to what the hub emits and emits what the hub listens to. */
export type CapsClientSocket = Socket<HubToClientEvents, ClientToHubEvents>;

export type HandshakeFields = Handshake extends infer H ? (H extends Handshake ? Omit<H, 'caps'> : never) : never;

/**
 * Signs a token for the claims a client is about to make: `clientToken` with the local secret in
 * our CLIs (credential.ts), the test secret in tests. Asked once per socket; the token is reused
 * on every reconnect.
 */
export type Credential = (claims: TokenClaims) => Promise<string>;

/** The claims a handshake makes: a vendor's store, a driver whose name is its client id. */
export function claimsOf(handshake: HandshakeFields): TokenClaims {
  return handshake.role === 'vendor'
    ? { role: 'vendor', store: handshake.store, clientId: handshake.clientId }
    : { role: 'driver', name: handshake.clientId, clientId: handshake.clientId };
}

/** The first pause between attempts to connect, and the longest (it doubles, with ±50 % jitter). */
export const RECONNECT_DELAY_MS = { first: 250, max: 5000 };

/** Socket.IO's `auth` option as a function: what `signedAuth` returns. */
export type AuthPayload = (send: (auth: object) => void) => void;

/**
 * A `/caps` socket to `hubUrl` on a Manager of its own, not yet connecting. Without `reconnection`,
 * Socket.IO makes one attempt per `connect()` and leaves the next to the caller (hub-link.ts).
 */
export function capsSocket(hubUrl: string, auth: AuthPayload, options: { reconnection: boolean }): CapsClientSocket {
  const manager = new Manager<HubToClientEvents, ClientToHubEvents>(hubUrl, {
    autoConnect: false,
    reconnection: options.reconnection,
    reconnectionDelay: RECONNECT_DELAY_MS.first,
    reconnectionDelayMax: RECONNECT_DELAY_MS.max,
    transports: ['websocket'],
  });
  return manager.socket(CAPS_NAMESPACE, { auth }) as CapsClientSocket;
}

/** Connects to one hub, reconnecting to it forever. */
export function connectCaps(hubUrl: string, handshake: HandshakeFields, credential: Credential): CapsClientSocket {
  return capsSocket(hubUrl, signedAuth({ caps: CAPS_PROTOCOL, ...handshake }, claimsOf(handshake), credential), { reconnection: true }).connect();
}

/**
 * Socket.IO's `auth` as a function, so that the token is signed (once, asynchronously) before the
 * first connect: `fields` with the token for `claims`. Without a token the hub refuses the
 * handshake, and the client's connect_error says why.
 */
export function signedAuth(fields: object, claims: TokenClaims, credential: Credential): AuthPayload {
  let token: Promise<string> | undefined;
  return (send) => {
    token ??= credential(claims);
    token.then(
      (value) => send({ ...fields, token: value }),
      () => send(fields),
    );
  };
}
