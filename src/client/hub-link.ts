/**
 * A client's link to its hub, or to the first of several that answers (`--hub url1,url2`, or
 * `HUB_URL` likewise). It connects to the first; when a hub cannot be reached (or refuses the
 * handshake), or the connection to it is lost, it tries the next in turn, round robin, pausing
 * before each attempt as Socket.IO would (250 ms doubling to 5 s, with jitter, reset by a
 * connection), except that the pause doubles once per round of all the hubs. The client is the same at every hub: the same handshake and token, and the same
 * journal and unsent messages, which it sends again, under their ids, to whichever hub it reaches;
 * the hubs de-duplicate by id.
 *
 * Why a Manager per hub: a Socket.IO Manager is a connection to one URL, fixed when it is made (it
 * is private, and the engine re-reads it at every attempt); there is no public way to point a
 * Manager elsewhere, and its own reconnection only ever retries that URL. So each hub gets a
 * Manager and a `/caps` socket of its own, made once and reused when the round comes back to it
 * (with whatever Socket.IO kept for a quick reconnect). With several hubs, their Managers do not
 * reconnect by themselves: this link decides where the next attempt goes. With one hub there is
 * nowhere else to go, and Socket.IO reconnects to it by itself, as it always did.
 *
 * Deliberate disconnects move nowhere: ours (`disconnect()`), and the hub's (`io server
 * disconnect`: it ended this connection on purpose, e.g. when another took over the client id).
 *
 * @example
 *   const link = new HubLink(['http://a:3000', 'http://b:3000'], { role: 'driver', clientId: 'driver-1' }, credential);
 *   link.forEachSocket((socket, url) => socket.on('pickup', onPickup));
 *   link.on('switch', (from, to, failure) => …);
 *   await link.whenConnected();
 *   link.socket.emit(…);
 */
import { EventEmitter } from 'node:events';
import { CAPS_PROTOCOL } from '../protocol/handshake';
import { capsSocket, claimsOf, RECONNECT_DELAY_MS, signedAuth, type CapsClientSocket, type Credential, type HandshakeFields } from './connect';

/** Why the link left a hub: it could not connect (`connect_error`), or the connection dropped. */
export type HubFailure = { kind: 'unreachable'; error: Error & { description?: unknown; data?: unknown } } | { kind: 'lost'; reason: string };

export interface HubLinkEvents {
  /** Leaving hub `from` for `to` after `failure`; the attempt at `to` follows a pause. */
  switch: [from: string, to: string, failure: HubFailure];
}

/** Disconnect reasons that are someone's decision, not a failure: nobody reconnects after them. */
const DELIBERATE = new Set(['io client disconnect', 'io server disconnect']);

/**
 * The pause before the next attempt after `failures` failed ones in a row among `hubs` hubs:
 * Socket.IO's own schedule, doubling once per round of every hub rather than at each hub, since
 * one hub being down is no reason to wait longer before the next, which may just have taken over.
 */
export function pauseMs(failures: number, hubs: number): number {
  const rounds = Math.floor(failures / hubs);
  return Math.min(RECONNECT_DELAY_MS.first * 2 ** rounds, RECONNECT_DELAY_MS.max) * (0.5 + Math.random());
}

export class HubLink extends EventEmitter<HubLinkEvents> {
  /** One socket per hub, in the order of `urls`. */
  private readonly sockets: CapsClientSocket[];
  private current = 0;
  private failures = 0;
  private pause: NodeJS.Timeout | undefined;
  /** Settled by the next connection; shared by every waiter, so that there is one listener however many wait. */
  private nextConnection: { promise: Promise<void>; resolve: () => void } | undefined;

  /** Starts connecting to `urls[0]`. */
  constructor(readonly urls: readonly string[], handshake: HandshakeFields, credential: Credential) {
    super();
    if (urls.length === 0) throw new RangeError('a HubLink needs at least one hub URL');
    // With one hub there is nowhere else to go: Socket.IO reconnects to it by itself.
    const failover = urls.length > 1;
    // One token for every hub: the claims are the same.
    const auth = signedAuth({ caps: CAPS_PROTOCOL, ...handshake }, claimsOf(handshake), credential);
    this.sockets = urls.map((url) => capsSocket(url, auth, { reconnection: !failover }));
    // Wired before anyone else's listeners, so that by the time theirs run, `socket` is where the link went.
    this.forEachSocket((socket) => {
      socket.on('connect', () => {
        this.failures = 0;
        this.nextConnection?.resolve();
        this.nextConnection = undefined;
      });
      if (!failover) return;
      socket.on('connect_error', (error) => this.moveOn(socket, { kind: 'unreachable', error }));
      socket.on('disconnect', (reason) => {
        if (!DELIBERATE.has(reason)) this.moveOn(socket, { kind: 'lost', reason });
      });
    });
    this.socket.connect();
  }

  /** The socket to the hub in use now: connected, or about to try. */
  get socket(): CapsClientSocket {
    return this.sockets[this.current]!;
  }

  /** The hub in use now. */
  get url(): string {
    return this.urls[this.current]!;
  }

  /** Calls `wire` with the socket to each hub, and its URL: where the client's listeners go. */
  forEachSocket(wire: (socket: CapsClientSocket, url: string) => void): void {
    this.sockets.forEach((socket, i) => wire(socket, this.urls[i]!));
  }

  /** Resolves once connected to a hub (at once if connected now). */
  whenConnected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    if (!this.nextConnection) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.nextConnection = { promise, resolve };
    }
    return this.nextConnection.promise;
  }

  /** Connects again after `disconnect()`, to the hub in use. */
  connect(): void {
    if (this.pause === undefined) this.socket.connect();
  }

  /** Disconnects, and stops moving between hubs until `connect()`. */
  disconnect(): void {
    clearTimeout(this.pause);
    this.pause = undefined;
    this.socket.disconnect();
  }

  /** After `failure` at the hub in use, tries the next one after a pause. */
  private moveOn(failed: CapsClientSocket, failure: HubFailure): void {
    if (failed !== this.socket) return; // one the link already left
    const from = this.url;
    this.current = (this.current + 1) % this.urls.length;
    this.emit('switch', from, this.url, failure);
    this.pause = setTimeout(() => {
      this.pause = undefined;
      this.socket.connect();
    }, pauseMs(this.failures++, this.urls.length));
  }
}
