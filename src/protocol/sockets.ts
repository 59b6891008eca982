/**
 * The `/caps` event maps applied to Socket.IO's hub-side types, so that every part of the hub
 * (sessions, consumers, metrics, the recovery adapter) names the same typed socket, namespace and
 * server. Clients use `CapsClientSocket` (client/connect.ts), over the same maps.
 */
import type { Namespace, Server, Socket } from 'socket.io';
import type { CapsSocketData, ClientToHubEvents, HubToClientEvents, HubToHubEvents } from './events';

/** One client's connection, as the hub sees it. */
export type CapsSocket = Socket<ClientToHubEvents, HubToClientEvents, HubToHubEvents, CapsSocketData>;
/** The `/caps` namespace. */
export type CapsNamespace = Namespace<ClientToHubEvents, HubToClientEvents, HubToHubEvents, CapsSocketData>;
/** The hub's Socket.IO server. */
export type CapsServer = Server<ClientToHubEvents, HubToClientEvents, HubToHubEvents, CapsSocketData>;
