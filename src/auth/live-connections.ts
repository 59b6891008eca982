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

/**
 * The sockets past the check and not yet connected that hold one client id (all with one
 * credential: any other was refused), each with what frees its place if its transport closes
 * first. A reservation lasts a handshake; a connected client holds its client id by its entry in
 * `live` alone, with no object of its own (the hub holds one per client, docs/benchmarks.md).
 */
interface Reservation<S> {
  /** The credential they share: the holder's when the first of them was reserved. */
  readonly identity: Identity;
  readonly sockets: Map<S, () => void>;
}

export class LiveConnections<S extends LiveConnection> {
  /** The connected socket of each client id. */
  private readonly live = new Map<string, S>();
  /** The client ids that handshakes under way have reserved. */
  private readonly reserved = new Map<string, Reservation<S>>();

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
    const { clientId } = identity;
    const holder = this.reserved.get(clientId)?.identity ?? this.live.get(clientId)?.data.identity;
    if (holder && !sameCredential(holder, identity)) {
      const code: RefusalCode = 'forbidden';
      return next(Object.assign(new Error(`client ${clientId} is connected with another credential`), { data: { code } }));
    }
    // A transport that closed while the handshake was checked never becomes a connection, and
    // would never say so again: there is nothing to reserve for it.
    if (socket.conn.readyState !== 'open') return next();
    let reservation = this.reserved.get(clientId);
    if (!reservation) {
      reservation = { identity: holder ?? identity, sockets: new Map() };
      this.reserved.set(clientId, reservation);
    }
    const release = () => this.unreserve(clientId, socket);
    reservation.sockets.set(socket, release);
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
    const { clientId } = identity;
    const release = this.reserved.get(clientId)?.sockets.get(socket);
    if (!release) throw new Error(`client ${clientId} connected without a reservation: LiveConnections.reserve must be its namespace's last middleware`);
    this.unreserve(clientId, socket);
    // From now on its place is given back on `disconnect`, which a closing transport also causes.
    socket.conn.off('close', release);
    const previous = this.live.get(clientId);
    this.live.set(clientId, socket);
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
    if (this.live.get(identity.clientId) !== socket) return false;
    this.live.delete(identity.clientId);
    return true;
  }

  /** The live connection of `clientId`, if any. */
  get(clientId: string): S | undefined {
    return this.live.get(clientId);
  }

  /** Ends `socket`'s reservation of `clientId`; the client id is free once nobody holds it. */
  private unreserve(clientId: string, socket: S): void {
    const reservation = this.reserved.get(clientId);
    if (!reservation?.sockets.delete(socket)) return;
    if (reservation.sockets.size === 0) this.reserved.delete(clientId);
  }
}
