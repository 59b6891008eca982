/**
 * The dashboard's port: everything it reads from the hub, and the two things it may do there
 * (pause a client, requeue a dead letter). The dashboard is given this, never the hub itself, so
 * it cannot reach the sessions, the broker's internals or the store; src/hub/dashboard-port.ts
 * implements it from a running hub, in one place.
 *
 * Everything that comes out of the port is plain data: a session is a {@link SessionView}, not the
 * hub's session object, and a dead letter is a {@link DeadLetterView}.
 *
 * @example
 *   const hub = await startHub(config, logger);
 *   const dashboard = attachDashboard(dashboardPort(hub), { token: config.dashboardToken, … });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Namespace } from 'socket.io';
import type { AuthenticatedSocket } from '../auth/identity';
import type { Callers } from '../edge/caller';
import type { DeadLetterView, HubView, QueueStats, StoreStatus } from '../protocol/dashboard';
import type { EntryKey, Envelope } from '../protocol/envelope';

/** A `/caps` session as the dashboard sees it. */
export interface SessionView {
  socketId: string;
  /** Our client's id, or the socket id for a classroom client. */
  clientId: string;
  /** `vendor` or `driver` once known; a classroom client that has not shown its role yet is `unknown`. */
  role: 'vendor' | 'driver' | 'unknown';
  classroom: boolean;
  store: string | undefined;
  /** The queues it consumes now. */
  queues: string[];
  /** The hub sends it nothing new (the dashboard's "pause"). */
  paused: boolean;
  /** It timed out SUSPECT_AFTER_TIMEOUTS times in a row: the hub sends it nothing more. */
  suspect: boolean;
}

/** What happened to a session. */
export type SessionChange = 'connected' | 'changed' | 'disconnected';

/** A queued message, named by its key, with what it carries. */
export interface QueuedMessage extends EntryKey {
  envelope: Envelope;
}

/**
 * What the hub reports as it works, by event, with each listener's arguments. A listener of the
 * wrong shape fails `tsc` (tests/dashboard/port.types.test.ts).
 */
export interface DashboardActivity {
  /** A `pickup` or `delivered` the hub stored (not a duplicate), or an `in-transit` it relayed. */
  event: [envelope: Envelope];
  session: [session: SessionView, change: SessionChange];
  /** A driver acknowledged a pickup, which claims it. */
  claimed: [message: QueuedMessage, owner: string];
  /** A message left its queue: acknowledged, or completed (a pickup). */
  acked: [key: EntryKey];
  /** A message went back to its queue to be sent again (`timeout`, `disconnect`, …). */
  redelivered: [key: EntryKey, reason: string];
  /** A message went to its queue's dead letters. */
  dead: [key: EntryKey, reason: string];
}

export type ActivityListener<K extends keyof DashboardActivity> = (...args: DashboardActivity[K]) => void;

/** Handles one HTTP request on a route the dashboard added. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DashboardPort {
  /** The live `/caps` session with this socket id. */
  session(socketId: string): SessionView | undefined;
  /** Every live `/caps` session. */
  sessions(): SessionView[];
  /**
   * Sends the session nothing new until resumed (`paused: false`); what it holds stays with it.
   * `false` if there is no such session.
   */
  setPaused(socketId: string, paused: boolean): boolean;
  /** Every queue's figures, by name. */
  queues(): QueueStats[];
  /** The queue store's kind and health, as `/healthz` and `/metrics` report it. */
  store(): StoreStatus;
  /** Every hub of this CAPS, active or standing by (a roster on Redis); none on an embedded store. */
  hubs(): HubView[];
  /** The `/caps` rooms other than each socket's own, with the socket ids in them. */
  rooms(): { name: string; socketIds: Iterable<string> }[];
  /** Listens to the hub's activity; returns the function that stops listening. */
  subscribe<K extends keyof DashboardActivity>(event: K, listener: ActivityListener<K>): () => void;
  /** Dead letters, oldest first, of one queue or of all; through the broker. */
  deadLetters(queueId?: string): Promise<DeadLetterView[]>;
  /** Moves a dead letter back to the end of its queue and delivers it; `false` if there was none. */
  requeueDead(key: EntryKey): Promise<boolean>;
  /**
   * A namespace of the hub's Socket.IO server, beside `/caps`, for the dashboard's own
   * (`/dashboard`, `/control`). The hub's `close` closes its sockets.
   */
  namespace(name: string): Namespace;
  /** Serves `path` on the hub's HTTP server; returns the function that removes the route. */
  route(path: string, handler: RouteHandler): () => void;
  /**
   * The hub's check of who a vendor or driver is (auth/identity.ts), as Socket.IO middleware: a
   * token whose claims agree with the socket's parsed `data.handshake`, or anonymous. For `/control`.
   */
  authenticateClient(socket: AuthenticatedSocket, next: (err?: Error) => void): void;
  /** The hub's judge of where a request comes from (edge/caller.ts, `TRUSTED_PROXIES`), for the access policy. */
  readonly callers: Callers;
}
