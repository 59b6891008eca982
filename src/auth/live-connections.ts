/**
 * A client id belongs to one live connection, as in MQTT: a second connection with the same
 * identity takes over (the first is disconnected, and its in-flight messages go back to the
 * queue), and a connection that claims a live client id with another credential is refused.
 * `/caps` and `/control` each keep one of these.
 *
 * Only authenticated connections have a client id of their own; anonymous (classroom) clients are
 * known by their socket id, which nobody else can take.
 *
 * @example
 *   const live = new LiveConnections<CapsSocket>('/caps');
 *   nsp.use(live.refuseImpostors);                 // after authenticate
 *   nsp.on('connection', (socket) => { live.admit(socket); socket.on('disconnect', () => live.leave(socket)); });
 */
import { sameCredential, type Identity, type RefusalCode } from './identity';

/** What a namespace's socket offers the registry. */
export interface LiveConnection {
  readonly id: string;
  readonly data: { identity?: Identity };
  /** Closes this namespace's socket only: the client's other namespaces share its connection. */
  disconnect(): unknown;
}

export class LiveConnections<S extends LiveConnection> {
  private readonly byClient = new Map<string, S>();

  /**
   * Middleware, after `authenticate`: refuses a connection whose client id is live under another
   * credential (`forbidden`), so an impostor can neither take the client's place nor push it out.
   */
  readonly refuseImpostors = (socket: Pick<S, 'data'>, next: (err?: Error) => void): void => {
    const identity = socket.data.identity;
    const live = identity?.kind === 'authenticated' ? this.byClient.get(identity.clientId)?.data.identity : undefined;
    if (identity?.kind !== 'authenticated' || live === undefined || sameCredential(live, identity)) return next();
    const code: RefusalCode = 'forbidden';
    next(Object.assign(new Error(`client ${identity.clientId} is connected with another credential`), { data: { code } }));
  };

  /** Makes `socket` its client id's live connection; disconnects and returns the one it replaces. */
  admit(socket: S): S | undefined {
    const identity = socket.data.identity;
    if (identity?.kind !== 'authenticated') return undefined;
    const previous = this.byClient.get(identity.clientId);
    this.byClient.set(identity.clientId, socket);
    if (previous === undefined || previous === socket) return undefined;
    previous.disconnect();
    return previous;
  }

  /** Forgets `socket`, unless another connection has already taken its place. */
  leave(socket: S): void {
    const identity = socket.data.identity;
    if (identity?.kind === 'authenticated' && this.byClient.get(identity.clientId) === socket) this.byClient.delete(identity.clientId);
  }

  /** The live connection of `clientId`, if any. */
  get(clientId: string): S | undefined {
    return this.byClient.get(clientId);
  }
}
