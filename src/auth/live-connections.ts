/**
 * A client id belongs to one credential at a time, as in MQTT: a second connection with the same
 * credential takes over (the first is disconnected, and its in-flight messages go back to the
 * queue), and a connection that claims a client id held under another credential is refused.
 * `/caps` and `/control` each keep one of these.
 *
 * Admission is one synchronous step: {@link LiveConnections.reserve}, a middleware, checks the
 * client id and reserves it for the connection's credential at once, so two credentials whose
 * handshakes are checked in the same turn of the event loop (one connection can carry several)
 * cannot both pass. The reservation lasts until the connection leaves ({@link LiveConnections.leave},
 * on `disconnect`), or until its transport closes before Socket.IO makes it a connection.
 *
 * Only authenticated connections have a client id of their own; anonymous (classroom) clients are
 * known by their socket id, which nobody else can take.
 *
 * @example
 *   const live = new LiveConnections<CapsSocket>();
 *   nsp.use(authenticate(options));
 *   nsp.use(live.reserve);                         // the namespace's last middleware
 *   nsp.on('connection', (socket) => { live.admit(socket); socket.on('disconnect', () => live.leave(socket)); });
 */
import { sameCredential, type Identity, type RefusalCode } from './identity';

/** What a namespace's socket offers the registry. */
export interface LiveConnection {
  readonly id: string;
  readonly data: { identity?: Identity };
  /** The client's transport, shared by its namespaces: a reservation ends if it closes before the connection is made. */
  readonly conn: {
    readonly readyState: string;
    once(event: 'close', listener: () => void): unknown;
    off(event: 'close', listener: () => void): unknown;
  };
  /** Closes this namespace's socket only: the client's other namespaces share its connection. */
  disconnect(): unknown;
}

/** Who holds one client id: sockets that all presented one credential (any other was refused). */
interface Holding<S> {
  /** The credential they share: the identity of the first of them. */
  readonly identity: Identity;
  /** Sockets past the check, not yet connected, each with what frees its place if its transport closes first. */
  readonly pending: Map<S, () => void>;
  /** The connected one, if any. */
  live?: S;
}

export class LiveConnections<S extends LiveConnection> {
  private readonly byClient = new Map<string, Holding<S>>();

  /**
   * Middleware, after `authenticate`, and the namespace's last: a connection whose client id is
   * held under another credential is refused (`forbidden`), so an impostor can neither take the
   * client's place nor push it out; any other authenticated connection reserves its client id in
   * the same step, with no `await` between the check and the reservation. A middleware after this
   * one could refuse the connection without the registry hearing of it, and keep the client id
   * held until the client's transport closes.
   */
  readonly reserve = (socket: S, next: (err?: Error) => void): void => {
    const identity = socket.data.identity;
    if (identity?.kind !== 'authenticated') return next();
    const holding = this.byClient.get(identity.clientId);
    if (holding && !sameCredential(holding.identity, identity)) {
      const code: RefusalCode = 'forbidden';
      return next(Object.assign(new Error(`client ${identity.clientId} is connected with another credential`), { data: { code } }));
    }
    // A transport that closed while the handshake was checked never becomes a connection, and
    // would never say so again: there is nothing to reserve for it.
    if (socket.conn.readyState !== 'open') return next();
    const reserved = holding ?? { identity, pending: new Map<S, () => void>() };
    this.byClient.set(identity.clientId, reserved);
    const release = () => {
      reserved.pending.delete(socket);
      this.forgetIfEmpty(identity.clientId, reserved);
    };
    reserved.pending.set(socket, release);
    socket.conn.once('close', release);
    next();
  };

  /**
   * Makes `socket`, on `connection`, its client id's live connection; disconnects and returns the
   * one it replaces (the same credential, taking over). Every authenticated connection has passed
   * {@link reserve}; one that has not is a namespace set up wrongly, and throws.
   */
  admit(socket: S): S | undefined {
    const identity = socket.data.identity;
    if (identity?.kind !== 'authenticated') return undefined;
    const holding = this.byClient.get(identity.clientId);
    const release = holding?.pending.get(socket);
    if (!holding || !release) throw new Error(`client ${identity.clientId} connected without a reservation: LiveConnections.reserve must be its namespace's last middleware`);
    holding.pending.delete(socket);
    // From now on its place is given back on `disconnect`, which a closing transport also causes.
    socket.conn.off('close', release);
    const previous = holding.live;
    holding.live = socket;
    if (previous === undefined) return undefined;
    previous.disconnect();
    return previous;
  }

  /**
   * Gives back `socket`'s place, on `disconnect`. Returns whether it was its client id's live
   * connection (not one already replaced by a newer one).
   */
  leave(socket: S): boolean {
    const identity = socket.data.identity;
    if (identity?.kind !== 'authenticated') return false;
    const holding = this.byClient.get(identity.clientId);
    if (holding?.live !== socket) return false;
    holding.live = undefined;
    this.forgetIfEmpty(identity.clientId, holding);
    return true;
  }

  /** The live connection of `clientId`, if any. */
  get(clientId: string): S | undefined {
    return this.byClient.get(clientId)?.live;
  }

  /** Frees `clientId` once nobody holds it: any credential may then connect as it. */
  private forgetIfEmpty(clientId: string, holding: Holding<S>): void {
    if (holding.live === undefined && holding.pending.size === 0) this.byClient.delete(clientId);
  }
}
