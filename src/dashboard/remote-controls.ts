/**
 * The hub's end of `/control`: the controllable clients, by client id, and the relay of the
 * dashboard's `post`, `disconnect` and `reconnect` commands to them.
 *
 * A client opens `/control` with a {@link ControlHandshake} as its `auth`; a malformed one, or a
 * caller the access policy turns away, is refused in middleware with `connect_error` data
 * (`{ code }`), as Socket.IO recommends. The client's answers are external input too, and are checked.
 */
import type { Namespace, Socket } from 'socket.io';
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
import { accessOf, callerOf, type AccessPolicy } from './access';

/** How long the hub waits, by default, for a controllable client to carry out a command. */
export const REMOTE_TIMEOUT_MS = 5000;

type RemoteSocket = Socket<RemoteToHubEvents, HubToRemoteEvents, Record<string, never>, { handshake: ControlHandshake }>;
export type RemoteNamespace = Namespace<RemoteToHubEvents, HubToRemoteEvents, Record<string, never>, { handshake: ControlHandshake }>;

export interface RemoteControlsOptions {
  /** `DASHBOARD_TOKEN` and `DASHBOARD_WATCH`; see access.ts. Only callers with `control` may open `/control`. */
  policy: AccessPolicy;
  logger: Logger;
  /** How long to wait for a client's answer; {@link REMOTE_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Told when a client's `/control` socket opens (`true`) or closes. */
  onChange: (handshake: ControlHandshake, controllable: boolean) => void;
}

export class RemoteControls {
  private readonly byClient = new Map<string, RemoteSocket>();

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
      const access = accessOf(callerOf(socket.handshake), options.policy);
      if (access.level !== 'control') return next(Object.assign(new Error(access.why), { data: { code: 'forbidden' } }));
      socket.data.handshake = handshake.value;
      next();
    });
    this.nsp.on('connection', (socket) => this.register(socket));
  }

  /** Whether `clientId` has a `/control` socket open. */
  has(clientId: string): boolean {
    return this.byClient.has(clientId);
  }

  /** Asks a controllable client to carry out `action`, and returns its checked answer. Never rejects. */
  async send(clientId: string, action: RemoteAction): Promise<RemoteAck> {
    const socket = this.byClient.get(clientId);
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
    const previous = this.byClient.get(handshake.clientId);
    // A restarted client may arrive before its old socket is known to be gone: the newest wins.
    if (previous && previous !== socket) previous.disconnect(true);
    this.byClient.set(handshake.clientId, socket);
    this.options.onChange(handshake, true);
    this.options.logger.info({ clientId: handshake.clientId }, 'controllable client connected');
    socket.on('disconnect', () => {
      if (this.byClient.get(handshake.clientId) !== socket) return;
      this.byClient.delete(handshake.clientId);
      this.options.onChange(handshake, false);
    });
  }
}
