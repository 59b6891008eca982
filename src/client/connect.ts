/**
 * Connects one of our clients to a hub's `/caps` namespace, typed with the shared event map.
 * The handshake tells the hub who we are (protocol/handshake.ts); Socket.IO sends it again on
 * every reconnect, which it attempts forever, so a client outlives any number of hub restarts.
 * Attempts back off exponentially, with jitter, from 250 ms to at most 5 s apart.
 */
import { io, type Socket } from 'socket.io-client';
import { CAPS_NAMESPACE, type ClientToHubEvents, type HubToClientEvents } from '../protocol/events';
import { CAPS_PROTOCOL, type Handshake } from '../protocol/handshake';

/** A client's end of `/caps`: it listens to what the hub emits and emits what the hub listens to. */
export type CapsClientSocket = Socket<HubToClientEvents, ClientToHubEvents>;

type HandshakeFields = Handshake extends infer H ? (H extends Handshake ? Omit<H, 'caps'> : never) : never;

export function connectCaps(hubUrl: string, handshake: HandshakeFields): CapsClientSocket {
  return io(new URL(CAPS_NAMESPACE, hubUrl).href, {
    auth: { caps: CAPS_PROTOCOL, ...handshake },
    reconnectionDelay: 250,
    reconnectionDelayMax: 5000,
    transports: ['websocket'],
  });
}
