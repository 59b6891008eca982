/**
 * The dashboard's protocol: two Socket.IO namespaces beside `/caps`, with their own event maps.
 *
 * - **`/dashboard`** (hub ↔ browser page). The page listens; the hub sends one `snapshot` when the
 *   page connects, then an `update` at most every {@link DASHBOARD_TICK_MS} with only what changed.
 *   It is read-only, except for one event, `control`, which the hub obeys only for loopback callers
 *   or callers that present `DASHBOARD_TOKEN` as `auth.token`; anyone else gets `forbidden`. Only
 *   those callers see customers' names and addresses; others who may watch (src/dashboard/access.ts)
 *   see them {@link HIDDEN}, and the rest are refused at the handshake.
 * - **`/control`** (hub ↔ a vendor or driver started with `--controllable`). The client opens it on
 *   the same Socket.IO Manager as its `/caps` socket, so it stays up while `/caps` is disconnected,
 *   and the hub relays the dashboard's `post`, `disconnect` and `reconnect` commands over it.
 *   (`pause` and `resume` happen in the hub itself and never reach the client.)
 *
 * The page's code imports this module with `import type` only, so it shares the event maps and
 * payload types without loading zod into the browser. The zod schemas below check everything that
 * crosses a trust boundary: commands from pages, handshakes from controllable clients and their answers.
 *
 * @example
 *   // the page
 *   const socket: Socket<DashboardToPageEvents, PageToDashboardEvents> = io('/dashboard', { auth: { token } });
 *   socket.emit('control', { action: 'pause', clientId: 'driver-1' }, (ack) => …);
 */
import { z } from 'zod';
import { MAX_TOKEN_LENGTH } from '../auth/token';
import { ERROR_CODES, type Failure, type Result } from './acks';
import type { EntryKey, Envelope } from './envelope';
import { LIMITS, nameSchema } from './schemas';

/** The browser page's namespace. */
export const DASHBOARD_NAMESPACE = '/dashboard';
/** The namespace controllable clients open beside `/caps`. */
export const CONTROL_NAMESPACE = '/control';
/** How often, at most, the hub sends a page an `update`. */
export const DASHBOARD_TICK_MS = 200;
/** What a page is sent at most: log lines per update and in a snapshot, package cards in all. */
export const DASHBOARD_LIMITS = { logLines: 200, logLinesPerUpdate: 50, cards: 100, throughputSeconds: 60 } as const;

// ---------------------------------------------------------------------------------------------
// What the page shows

/**
 * A client's state as the dashboard shows it; `away` is a client the hub knew that is not connected
 * now; `suspect`, one that kept timing out, which the hub sends nothing until its probation
 * (SUSPECT_AFTER_TIMEOUTS, SUSPECT_PROBATION_MS).
 */
export type ClientState = 'connected' | 'paused' | 'suspect' | 'away';

/** One vendor or driver, however many connections it has had. */
export interface ClientView {
  /** Our client's `clientId` (`vendor:<store>`, a driver's name), or a classroom client's socket id. */
  id: string;
  role: 'vendor' | 'driver' | 'unknown';
  store?: string;
  classroom: boolean;
  state: ClientState;
  /** It has a `/control` socket open, so the page may post, disconnect and reconnect it. */
  controllable: boolean;
  /** The queues it consumes now. */
  queues: string[];
  /** When it entered its current state (ms since the epoch). */
  since: number;
}

/** A Socket.IO room of `/caps` (a store's room), with the ids of the clients in it. */
export interface RoomView {
  name: string;
  members: string[];
}

/** One queue's figures, as the broker counts them (its `snapshot`). */
export interface QueueStats {
  queueId: string;
  /** Messages in the queue: waiting, in flight or claimed. On shared hubs, across every hub. */
  depth: number;
  /** Of those, in flight or claimed on this hub. */
  inFlight: number;
  /** Messages in its dead-letter queue. On shared hubs, across every hub. */
  dead: number;
  /** Its consumers connected to this hub. */
  consumers: number;
}

/**
 * The hub's queue store: its kind, whether it takes calls, since when, and why not (Redis
 * unreachable, the writer lease lost), as `/healthz` and `/metrics` report it (hub/store-health.ts).
 */
export interface StoreStatus {
  /** `memory`, `lmdb` or `redis`. */
  kind: string;
  /** Whether it takes calls now. */
  up: boolean;
  /** Since when it has been up or down (ms since the epoch): its last change, or the hub's start. */
  since: number;
  /** Why it is down; only while it is. */
  reason?: string;
  /** How many times it went down since the hub started. */
  outages: number;
}

/**
 * One hub of a CAPS on Redis, active or standing by, as the roster in Redis lists it
 * (queue/redis/hub-roster.ts). A hub on an embedded store has no roster, and the page shows none.
 */
export interface HubView {
  /** Its hub id (`CAPS_HUB_ID`, or `<hostname>:<port>`): the `hub` label of its metrics. */
  id: string;
  /** `active`: it holds the writer lease and serves; `standby`: it waits for the lease and does not listen. */
  role: 'active' | 'standby';
  /** The machine it runs on, and its process there. */
  host: string;
  pid: number;
  /** The port it serves on, or will once it is the active hub. */
  port: number;
  /** When the process started (ms since the epoch). */
  startedAt: number;
  /** Its connected `/caps` clients at its last beat: none while it stands by. Absent from a hub of an older CAPS. */
  clients?: number;
  /** How long before the roster was last read its last heartbeat reached Redis (ms). */
  beatAgoMs: number;
  /** Whether it is the hub that sends this. */
  self: boolean;
}

/** A message that could not be delivered, as `GET /dead-letters` lists it. */
export interface DeadLetterView extends EntryKey {
  envelope: Envelope;
  /** Why it died: `max attempts`, `expired`, `rejected by consumer`. */
  reason: string;
  /** When the hub accepted it, and when it died (ms since the epoch). */
  enqueuedAt: number;
  deadAt: number;
}

/** The stages a package card moves through, in order. */
export const PACKAGE_STAGES = ['ordered', 'picked-up', 'in-transit', 'delivered', 'acknowledged'] as const;
export type PackageStage = (typeof PACKAGE_STAGES)[number];

/** One package, as a card on the page's board. */
export interface PackageCard {
  messageId: string;
  store: string;
  customer: string;
  address: string;
  stage: PackageStage;
  /** The driver that claimed or carried it. */
  driver?: string;
  /** Set once the message went to a dead-letter queue: why. */
  dead?: string;
  /** Set when it went back to a queue to be sent again: why (`timeout`, `disconnect`, …). */
  requeued?: string;
  updatedAt: number;
}

/** What a log line is about; the page filters on it. */
export const LOG_KINDS = ['pickup', 'claimed', 'in-transit', 'delivered', 'acked', 'redelivered', 'dead', 'client', 'control'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export interface LogLine {
  /** Increases by one per line, so the page can tell how many it missed. */
  seq: number;
  at: number;
  kind: LogKind;
  text: string;
}

/**
 * What a page may see and do, and why: `control` sees everything and may use the controls;
 * `watch` sees customers' names and addresses hidden ({@link HIDDEN}) and may not act.
 * Callers that may do neither are refused when they connect (`connect_error`, code `forbidden`).
 */
export interface Access {
  level: 'control' | 'watch';
  why: string;
}

/** What a watcher sees in place of a customer's name or address. */
export const HIDDEN = '(hidden)';

/** Everything a page needs to draw itself from scratch; sent once, on connect. */
export interface DashboardSnapshot {
  access: Access;
  clients: ClientView[];
  rooms: RoomView[];
  queues: QueueStats[];
  store: StoreStatus;
  /** Every hub of this CAPS, by id; empty on an embedded store. */
  hubs: HubView[];
  /** Oldest first. */
  packages: PackageCard[];
  /** Oldest first. */
  log: LogLine[];
  /** Delivery events per second, one number per second, oldest first. */
  throughput: number[];
}

/**
 * What changed since the last update. Lists that are present replace the page's list, except
 * `packages` (the cards that changed) and `log` (new lines). `skipped` counts log lines that were
 * not sent because too many came in one tick.
 */
export interface DashboardUpdate {
  clients?: ClientView[];
  rooms?: RoomView[];
  queues?: QueueStats[];
  /** Sent when the store went down, came back, or is down for another reason. */
  store?: StoreStatus;
  /** Sent when a hub joined, left, changed its role, or beat again. */
  hubs?: HubView[];
  packages?: PackageCard[];
  log?: LogLine[];
  skipped?: number;
  throughput?: number[];
}

// ---------------------------------------------------------------------------------------------
// Commands: page → hub (`/dashboard`) and hub → client (`/control`)

/** What a page may ask the hub to do to a client. */
export const CONTROL_ACTIONS = ['post', 'pause', 'resume', 'disconnect', 'reconnect'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** A page's command: `post` an order as a vendor; `pause`/`resume`, `disconnect`/`reconnect` a client. */
export interface ControlCommand {
  action: ControlAction;
  clientId: string;
}

/** The hub's answer to a command: what it did, for people; `messageId` for `post`. */
export type ControlAck = Result<{ message: string; messageId?: string }>;

/** The commands the hub relays to a controllable client; pause and resume stay in the hub. */
export const REMOTE_ACTIONS = ['post', 'disconnect', 'reconnect'] as const;
export type RemoteAction = (typeof REMOTE_ACTIONS)[number];

export interface RemoteCommand {
  action: RemoteAction;
}

/** A controllable client's answer; `messageId` for `post`. */
export type RemoteAck = Result<{ messageId?: string }>;

/** What a controllable client says about itself when it opens `/control` (its `auth` payload). */
export interface ControlHandshake {
  clientId: string;
  role: 'vendor' | 'driver';
  store?: string;
  /** The token the client opens `/caps` with (auth/token.ts): `/control` is for clients with one. */
  token?: string;
}

// ---------------------------------------------------------------------------------------------
// Event maps (acks last, as Socket.IO types them)

/** `/dashboard`: what the page emits and the hub listens to. */
export interface PageToDashboardEvents {
  control: (command: ControlCommand, ack: (result: ControlAck) => void) => void;
  /**
   * Stops the hub the page is connected to, as Ctrl-C would: it gives its writer lease up, a
   * standby takes over, and the clients move there. For `control` pages, on a hub run by
   * `npm run hub -- --standby` on Redis, and only while the roster lists a standby (`unavailable`
   * otherwise); any other hub answers `not_found`.
   */
  stopHub: (ack: (result: StopHubAck) => void) => void;
}

/** The hub's answer to `stopHub`, sent before it stops. */
export type StopHubAck = Result<{ message: string }>;

/** `/dashboard`: what the hub emits and the page listens to. */
export interface DashboardToPageEvents {
  snapshot: (snapshot: DashboardSnapshot) => void;
  update: (update: DashboardUpdate) => void;
}

/** `/control`: a controllable client sends nothing of its own; it only answers commands. */
export type RemoteToHubEvents = Record<string, never>;

/** `/control`: the hub's commands to a controllable client. */
export interface HubToRemoteEvents {
  command: (command: RemoteCommand, ack: (result: RemoteAck) => void) => void;
}

// ---------------------------------------------------------------------------------------------
// Run-time checks (server and client; the page never loads them)

const clientIdSchema = nameSchema;
const failureSchema = z.object({
  ok: z.literal(false),
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string().max(1000),
  }),
}) satisfies z.ZodType<Failure>;

/** A page's `control` command. Extra keys are dropped. */
export const controlCommandSchema = z.object({
  action: z.enum(CONTROL_ACTIONS),
  clientId: clientIdSchema,
}) satisfies z.ZodType<ControlCommand>;

/** A hub's command, as a controllable client checks it. */
export const remoteCommandSchema = z.object({ action: z.enum(REMOTE_ACTIONS) }) satisfies z.ZodType<RemoteCommand>;

/** A controllable client's answer, as the hub checks it. */
export const remoteAckSchema = z.union([
  z.object({ ok: z.literal(true), messageId: z.string().max(LIMITS.id).optional() }),
  failureSchema,
]) satisfies z.ZodType<RemoteAck>;

/** A controllable client's `/control` handshake. */
export const controlHandshakeSchema = z.object({
  clientId: clientIdSchema,
  role: z.enum(['vendor', 'driver']),
  store: nameSchema.optional(),
  // The token's own check (auth/identity.ts) says what is wrong with it, this one only bounds it.
  token: z.string().max(MAX_TOKEN_LENGTH).optional(),
}) satisfies z.ZodType<ControlHandshake>;
