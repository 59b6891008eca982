/**
 * The hub's end of `/control`: the controllable clients, by client id, and the relay of the
 * dashboard's `post`, `disconnect` and `reconnect` commands to them.
 *
 * A client opens `/control` with a {@link ControlHandshake} as its `auth`, and the token it opens
 * `/caps` with: a malformed handshake, no token, or a token for another client is refused in
 * middleware with `connect_error` data (`{ code }`), as Socket.IO recommends; so is a second
 * connection for a client id that is live under another credential. The same credential takes
 * over (a restarted client): the old `/control` socket is closed, and only that namespace, so
 * the client's `/caps` connection, which shares it, stays up. The client's answers are external
 * input too, and are checked.
 */
import type { Namespace, Socket } from 'socket.io';
import type { AuthenticatedSocket, Identity } from '../auth/identity';
import { LiveConnections } from '../auth/live-connections';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import {
  CONTROL_NAMESPACE,
  controlHandshakeSchema,
  remoteAckSchema,
  type ControlHandshake,
  type HubToRemoteEvents,
  type RemoteAck,
  type RemoteAction,
  type RemoteToHubEvents,
} from '../protocol/dashboard';
import { parse } from '../protocol/schemas';

/** How long the hub waits, by default, for a controllable client to carry out a command. */
export const REMOTE_TIMEOUT_MS = 5000;

/** What the hub keeps about a `/control` socket: the client's handshake, and who its token says it is. */
interface RemoteData {
  handshake: ControlHandshake;
  identity?: Identity;
}
type RemoteSocket = Socket<RemoteToHubEvents, HubToRemoteEvents, Record<string, never>, RemoteData>;
export type RemoteNamespace = Namespace<RemoteToHubEvents, HubToRemoteEvents, Record<string, never>, RemoteData>;

export interface RemoteControlsOptions {
  /** The hub's check of who a vendor or driver is (the port's `authenticateClient`). */
  authenticate: (socket: AuthenticatedSocket, next: (err?: Error) => void) => void;
  logger: Logger;
  /** How long to wait for a client's answer; {@link REMOTE_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Told when a client's `/control` socket opens (`true`) or closes. */
  onChange: (handshake: ControlHandshake, controllable: boolean) => void;
}

export class RemoteControls {
  private readonly live = new LiveConnections<RemoteSocket>();

  /** Serves `nsp`, the hub's {@link CONTROL_NAMESPACE}. */
  constructor(
    private readonly nsp: RemoteNamespace,
    private readonly options: RemoteControlsOptions,
  ) {
    this.nsp.use((socket, next) => {
      const handshake = parse(controlHandshakeSchema, socket.handshake.auth);
      if (!handshake.ok) {
        const err = new Error(`invalid /control handshake: ${handshake.issues.join('; ')}`);
        return next(Object.assign(err, { data: { code: 'invalid_payload', issues: handshake.issues } }));
      }
      // Only the parsed handshake goes to `data`: the token's claims are checked against it.
      const { token: _token, ...claimed } = handshake.value;
      socket.data.handshake = claimed;
      next();
    });
    // A handshake names a role, so a socket without a token is refused: only our clients open `/control`.
    this.nsp.use(options.authenticate);
    // Last: the check and the reservation of the client id are one step (auth/live-connections.ts).
    this.nsp.use(this.live.reserve);
    this.nsp.on('connection', (socket) => this.register(socket));
  }

  /** Whether `clientId` has a `/control` socket open. */
  has(clientId: string): boolean {
    return this.live.get(clientId) !== undefined;
  }

  /** Asks a controllable client to carry out `action`, and returns its checked answer. Never rejects. */
  async send(clientId: string, action: RemoteAction): Promise<RemoteAck> {
    const socket = this.live.get(clientId);
    if (!socket) return failure('not_found', `${clientId} is not controllable: start it with --controllable (npm run demo does)`);
    const timeoutMs = this.options.timeoutMs ?? REMOTE_TIMEOUT_MS;
    let answer: unknown;
    try {
      answer = await socket.timeout(timeoutMs).emitWithAck('command', { action });
    } catch {
      return failure('unavailable', `${clientId} did not answer "${action}" within ${timeoutMs} ms`);
    }
    const parsed = parse(remoteAckSchema, answer);
    if (parsed.ok) return parsed.value;
    this.options.logger.warn({ clientId, action, answer }, 'malformed answer from a controllable client');
    return failure('internal', `${clientId} gave a malformed answer to "${action}"`);
  }

  /** Disconnects every controllable client's `/control` socket (the hub's `close` does this too). */
  close(): void {
    this.nsp.disconnectSockets(true);
  }

  private register(socket: RemoteSocket): void {
    const handshake = socket.data.handshake;
    // A restarted client may arrive before its old socket is known to be gone: the newest wins.
    this.live.admit(socket);
    this.options.onChange(handshake, true);
    this.options.logger.info({ clientId: handshake.clientId }, 'controllable client connected');
    socket.on('disconnect', () => {
      // A socket already replaced by a newer one is not the client's any more: nothing changes.
      if (this.live.leave(socket)) this.options.onChange(handshake, false);
    });
  }
}
