/**
 * Connects one of our clients to a hub's `/caps` namespace, typed with the shared event map.
 * The handshake tells the hub who we are (protocol/handshake.ts) and the token proves it
 * (auth/token.ts): the hub refuses a handshake that comes without one. Socket.IO sends both again
 * on every reconnect, which it attempts forever, so a client outlives any number of hub restarts.
 * Attempts back off exponentially, with jitter, from 250 ms to at most 5 s apart.
 */
import { io, type Socket } from 'socket.io-client';
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

export function connectCaps(hubUrl: string, handshake: HandshakeFields, credential: Credential): CapsClientSocket {
  return io(new URL(CAPS_NAMESPACE, hubUrl).href, {
    auth: signedAuth({ caps: CAPS_PROTOCOL, ...handshake }, claimsOf(handshake), credential),
    reconnectionDelay: 250,
    reconnectionDelayMax: 5000,
    transports: ['websocket'],
  });
}

/**
 * Socket.IO's `auth` as a function, so that the token is signed (once, asynchronously) before the
 * first connect: `fields` with the token for `claims`. Without a token the hub refuses the
 * handshake, and the client's connect_error says why.
 */
export function signedAuth(fields: object, claims: TokenClaims, credential: Credential): (send: (auth: object) => void) => void {
  let token: Promise<string> | undefined;
  return (send) => {
    token ??= credential(claims);
    token.then(
      (value) => send({ ...fields, token: value }),
      () => send(fields),
    );
  };
}
