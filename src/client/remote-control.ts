/**
 * Lets the hub's dashboard drive this client (`--controllable`): post an order, disconnect from
 * `/caps` and connect again. For classrooms: "stop a client, send orders, bring it back" becomes a
 * click on the dashboard.
 *
 * It opens the `/control` namespace on the *same* Socket.IO Manager as the client's `/caps` socket,
 * so both share one connection, and `/control` stays up while `/caps` is disconnected on purpose;
 * that is what lets the dashboard bring the client back. (Pause and resume need nothing here: the
 * hub simply stops sending.) When the client moves to another hub (hub-link.ts), `/control` moves
 * with it: it leaves the old hub and opens once `/caps` has connected to the new one. Commands are
 * checked with zod and answered through the ack; a bad one is refused, never thrown.
 *
 * @example
 *   const control = openRemoteControl({ link: vendor.link, handshake: { clientId: 'vendor:acme', role: 'vendor', store: 'acme' },
 *     credential, post: () => vendor.post().messageId, logger });
 *   …
 *   control.close();
 */
import type { Socket } from 'socket.io-client';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import {
  CONTROL_NAMESPACE,
  remoteCommandSchema,
  type HubToRemoteEvents,
  type RemoteAck,
  type RemoteToHubEvents,
} from '../protocol/dashboard';
import { parse } from '../protocol/schemas';
import { claimsOf, signedAuth, type Credential, type HandshakeFields } from './connect';
import type { HubLink } from './hub-link';

/** The client's end of `/control`. */
export type RemoteControlSocket = Socket<HubToRemoteEvents, RemoteToHubEvents>;

export interface RemoteControlOptions {
  /** The client's link to its hubs: `/control` shares the Manager of its `/caps` socket, and `disconnect`/`reconnect` act on it. */
  link: HubLink;
  /** Who this client is: its `/caps` handshake, which the hub checks against the token as there. */
  handshake: HandshakeFields;
  /** Signs the token, as for `/caps` (the same claims). */
  credential: Credential;
  /**
   * Posts an order and returns its message id as soon as it is posted (storing it may wait for a
   * reconnect). Vendors only: without it, `post` is refused.
   */
  post?: () => string;
  logger: Logger;
}

export interface RemoteControl {
  /** Closes `/control`. The `/caps` socket is left as it is. */
  close(): void;
}

export function openRemoteControl(options: RemoteControlOptions): RemoteControl {
  const { link, logger } = options;
  const { clientId, role } = options.handshake;
  const fields = { clientId, role, ...(options.handshake.role === 'vendor' ? { store: options.handshake.store } : {}) };
  const auth = signedAuth(fields, claimsOf(options.handshake), options.credential);
  /** `/control` beside each hub's `/caps`, by hub URL; only the one at the hub in use is open. */
  const controls = new Map<string, RemoteControlSocket>();
  let closed = false;
  link.forEachSocket((caps, url) => {
    const socket: RemoteControlSocket = caps.io.socket(CONTROL_NAMESPACE, { auth });
    controls.set(url, socket);
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      // Without `data` it is the shared connection failing, which the client already reports.
      if (err.data !== undefined) logger.warn(`remote control refused by the hub: ${err.message}`);
    });
    socket.on('command', (command, ack) => {
      if (typeof ack !== 'function') return logger.warn({ command }, 'remote control: a command without an ack; ignored');
      let answer: RemoteAck;
      try {
        answer = carryOut(command);
      } catch (err) {
        logger.error({ err, command }, 'remote control: command failed');
        answer = failure('internal', 'the client failed to carry out the command; it has logged why');
      }
      ack(answer);
    });
    caps.on('connect', () => {
      if (!closed && !socket.active) socket.connect();
    });
  });
  const leave = (from: string) => controls.get(from)?.disconnect();
  link.on('switch', leave);
  controls.get(link.url)!.connect();

  function carryOut(payload: unknown): RemoteAck {
    const command = parse(remoteCommandSchema, payload);
    if (!command.ok) return failure('invalid_payload', 'expected { action: post|disconnect|reconnect }', command.issues);
    switch (command.value.action) {
      case 'post':
        if (!options.post) return failure('invalid_payload', `${options.handshake.clientId} is not a vendor; it cannot post orders`);
        logger.info('remote control: posting an order, as the dashboard asked');
        return { ok: true, messageId: options.post() };
      case 'disconnect':
        logger.info('remote control: disconnecting from /caps, as the dashboard asked');
        link.disconnect();
        return { ok: true };
      case 'reconnect':
        logger.info('remote control: reconnecting to /caps, as the dashboard asked');
        link.connect();
        return { ok: true };
    }
  }

  return {
    close: () => {
      closed = true;
      link.off('switch', leave);
      for (const socket of controls.values()) socket.disconnect();
    },
  };
}
