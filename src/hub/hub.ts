/**
 * Starts a CAPS hub: the queue store, the broker, and one HTTP server that carries Socket.IO
 * (namespace `/caps`), `/healthz` and `/metrics`; both of these, and the dashboard, report the
 * store's health (store-health.ts).
 *
 * @example
 *   const hub = await startHub({ ...DEFAULT_HUB_CONFIG, port: 0 }, logger);
 *   console.log(hub.url); // http://localhost:54321
 *   await hub.close();
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Server } from 'socket.io';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { CAPS_NAMESPACE } from '../protocol/events';
import { CAPS_PROTOCOL, handshakeSchema } from '../protocol/handshake';
import type { HubView } from '../protocol/dashboard';
import type { CapsNamespace, CapsServer, CapsSocket } from '../protocol/sockets';
import { parse } from '../protocol/schemas';
import { createStore, type RedisSettings } from '../queue/create-store';
import type { QueueStore, StoreOptions } from '../queue/store';
import { CLASSROOM_OPEN_WARNING } from '../auth/classroom';
import { authenticate, type AuthenticatedSocket } from '../auth/identity';
import { LiveConnections } from '../auth/live-connections';
import { MemoryJournal } from '../client/journal';
import { loadSecret } from '../auth/secret';
import { Callers } from '../edge/caller';
import { EdgeGuard, onlyMethods } from '../edge/edge-guard';
import { Broker } from './broker';
import type { Consumer } from './consumer';
import { createEventLog } from './event-log';
import { createMetrics } from './metrics';
import { StoreHealthWatch } from './store-health';
import { Session, type HubActivity } from './session';
import { RecoveryAdapter } from './recovery-adapter';
import { roomRelay } from './room-relay';
import { answerWrongNamespace } from './wrong-namespace';
import { coalesceWrites } from './write-coalescing';

/** How many completed pickups the hub remembers, to answer a driver's retried `delivered`. */
const COMPLETED_REMEMBERED = 100_000;

export interface Hub {
  /** The port it listens on (useful after `PORT=0`). */
  readonly port: number;
  /** The name it goes by among several hubs: `CAPS_HUB_ID`, or `<hostname>:<port>`. Label `hub` on every metric. */
  readonly id: string;
  /** `http://localhost:<port>`. */
  readonly url: string;
  readonly io: CapsServer;
  readonly nsp: CapsNamespace;
  readonly broker: Broker;
  readonly store: QueueStore;
  /** Whether the store takes calls, since when, why not, and its outages: for `/healthz`, `/metrics`, the dashboard. */
  readonly storeHealth: StoreHealthWatch;
  /** Every hub of this CAPS, from the roster on Redis (`startHub`'s `hubs`); none on an embedded store. */
  hubs(): HubView[];
  /** The connected `/caps` clients, by socket id. */
  readonly sessions: ReadonlyMap<string, Session>;
  /** Delivery events and client changes as they happen (the dashboard listens). */
  readonly activity: EventEmitter<HubActivity>;
  /** The HTTP routes, by path; features beside the hub (the dashboard) add theirs. */
  readonly routes: Routes;
  /** The HTTP server that carries Socket.IO and the routes. */
  readonly http: HttpServer;
  /** Who a request's caller is, by `TRUSTED_PROXIES` (edge/caller.ts); the edge, identities and the dashboard ask it. */
  readonly callers: Callers;
  /**
   * The middleware that decides who a vendor or driver is (auth/identity.ts), for the namespaces
   * our clients open beside `/caps` (the dashboard's `/control`), after their handshake's parse.
   */
  readonly authenticateClient: (socket: AuthenticatedSocket, next: (err?: Error) => void) => void;
  /** Disconnects every client, stops the broker and closes the store. Safe to call twice. */
  close(): Promise<void>;
}

/** Extra HTTP routes, by path, for features that live beside the hub (the dashboard). */
export type Routes = Map<string, (req: IncomingMessage, res: ServerResponse) => void>;

/** The name a hub on `port` goes by among several: `CAPS_HUB_ID`, or `<hostname>:<port>`. */
export function hubIdOf(config: HubConfig, port: number): string {
  return config.hubId ?? `${hostname()}:${port}`;
}

/** What a hub's store is opened with, from its configuration. */
export function storeOptions(config: HubConfig): StoreOptions {
  return { dedupWindowMs: config.delivery.dedupWindowMs, durability: config.durability };
}

/**
 * The shortest beat a shared hub keeps, whatever `ACK_TIMEOUT_MS` says (it beats every third of
 * it): a hub whose event loop or Redis stalls for less is not taken for dead by the others.
 */
const MIN_SHARED_BEAT_MS = 3_000;

/**
 * What a hub's Redis store takes besides the store options, from its configuration. A shared hub's
 * beat lasts `CAPS_REDIS_LEASE_MS`, or `ACK_TIMEOUT_MS` when that is shorter (3 s at least):
 * what a dead hub had in flight then goes out again no later than an unanswered message would.
 */
export function redisSettings(config: HubConfig, logger: Logger): RedisSettings {
  const { maxQueueLength, maxTotalMessages, leaseMs: claimLeaseMs, ackTimeoutMs } = config.delivery;
  if (!config.shared) return { prefix: config.redisPrefix, leaseMs: config.redisLeaseMs, logger };
  const leaseMs = Math.min(config.redisLeaseMs, Math.max(MIN_SHARED_BEAT_MS, ackTimeoutMs));
  return { prefix: config.redisPrefix, leaseMs, logger, shared: { maxQueueLength, maxTotalMessages, claimLeaseMs } };
}

export interface StartHubOptions {
  /** An open store, rather than the one `config.store` names: a test's, or a standby's that waited for its lease. */
  store?: QueueStore;
  /** Where the hubs of this CAPS are listed (queue/redis/hub-roster.ts): on Redis, the process's roster. */
  hubs?: () => HubView[];
}

/**
 * Starts a hub on `config.port`. The hub opens the store `config.store` names and closes it in
 * `close`; a test, or a standby that has waited for its Redis store's lease (standby-hub.ts), may
 * pass an already open `store` instead (the hub still closes it).
 */
export async function startHub(config: HubConfig, logger: Logger, options: StartHubOptions = {}): Promise<Hub> {
  const key = loadSecret(config.trust); // before the store: an unsafe secret file stops the hub here
  const callers = new Callers(config.trust.trustedProxies);
  const guard = new EdgeGuard(config.trust, callers, logger);
  const store = options.store ?? (await createStore(config.store, storeOptions(config), redisSettings(config, logger)));
  const broker = await Broker.open(store, config.delivery, { logger });
  const routes: Routes = new Map();
  const http = createServer(guard.http((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }));
  const io: CapsServer = new Server(http, {
    // A restored classroom session still passes the middlewares (Socket.IO skips them by default):
    // whatever a connection is checked for, a reconnection is checked for too.
    connectionStateRecovery: { maxDisconnectionDuration: config.recoveryWindowMs, skipMiddlewares: false },
    adapter: RecoveryAdapter,
    allowRequest: guard.allowRequest,
  });
  guard.watch(io.engine, http);
  coalesceWrites(io.engine);
  const nsp = io.of(CAPS_NAMESPACE);
  nsp.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown>;
    if (auth?.caps === undefined) return next(); // a classroom client
    const handshake = parse(handshakeSchema, auth);
    if (!handshake.ok) {
      const err = new Error(`invalid CAPS handshake (protocol ${CAPS_PROTOCOL}): ${handshake.issues.join('; ')}`);
      return next(Object.assign(err, { data: { code: 'invalid_payload', issues: handshake.issues } }));
    }
    socket.data.handshake = handshake.value;
    next();
  });
  // After the handshake's parse: a token's claims must agree with it (auth/identity.ts).
  const authenticateClient = authenticate({ key, classroom: config.trust.classroom, roles: ['vendor', 'driver'], callers });
  nsp.use(authenticateClient);
  // A client id belongs to one credential: another is refused, the same one takes over. Last, so
  // that the check and the reservation of the client id are one step (auth/live-connections.ts).
  const live = new LiveConnections<CapsSocket>();
  nsp.use(live.reserve);
  if (config.trust.classroom === 'open') logger.warn(CLASSROOM_OPEN_WARNING);

  answerWrongNamespace(io.of('/'), logger);

  const storeHealth = new StoreHealthWatch(store);
  const hubs = options.hubs ?? (() => []);
  const metrics = createMetrics(broker, nsp, storeHealth, hubs);
  const eventLog = createEventLog(logger, config.log.format);
  const activity = new EventEmitter<HubActivity>();
  const sessions = new Map<string, Session>();
  const context = {
    activity,
    broker,
    nsp,
    logger,
    prefetch: config.delivery.prefetch,
    vendorPrefetch: config.delivery.vendorPrefetch,
    labDriverGuessMs: config.labDriverGuessMs,
    maxRoomsPerSocket: config.maxRoomsPerSocket,
    eventLog,
    countEvent: metrics.countEvent,
    // Retried `delivered` reports come within seconds; this many is minutes of a busy hub's pickups.
    completed: new MemoryJournal(COMPLETED_REMEMBERED),
    relay: roomRelay(nsp, store, logger),
  };
  // A suspect, and a suspect cleared, are shown on the dashboard as a change of its session.
  const standingChanged = (consumer: Consumer) => {
    for (const session of sessions.values()) if (session.consumes(consumer)) activity.emit('session', session, 'changed');
  };
  broker.on('suspect', standingChanged);
  broker.on('cleared', standingChanged);
  // One listener function of each kind for every socket, which finds the socket's session, rather
  // than closures for each: a hub holds thousands of idle sockets (docs/benchmarks.md).
  function received(this: CapsSocket, name: unknown, ...args: unknown[]): void {
    void sessions.get(this.id)?.receive(name, args);
  }
  function disconnected(this: CapsSocket, reason: string): void {
    const session = sessions.get(this.id);
    // Gone from the map before the session reports that it stopped.
    sessions.delete(this.id);
    live.leave(this);
    session?.stop(reason);
  }
  nsp.on('connection', (socket) => {
    // The old connection goes first, so that what it held is back in its queue (its claims stay
    // with the client id) when the new one starts consuming.
    const replaced = live.admit(socket);
    if (replaced) logger.warn({ client: socket.data.identity?.kind === 'authenticated' ? socket.data.identity.clientId : undefined, replaced: replaced.id, by: socket.id }, 'a second connection took over this client id; the first was disconnected');
    // Set by `authenticate`, which every connection passes before this event.
    const session = new Session(socket, context, socket.data.identity!);
    sessions.set(socket.id, session);
    socket.onAny(received);
    socket.on('disconnect', disconnected);
    session.start();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    // Nothing else will close what was opened for a hub that never started (a port in use).
    io.close();
    broker.close();
    storeHealth.close();
    await store.close();
    throw err;
  }
  const port = (http.address() as AddressInfo).port;
  const id = hubIdOf(config, port);
  // The hub's own registry, so that hubs in one process (the tests') each label their own.
  metrics.registry.setDefaultLabels({ hub: id });
  // Registered once the id is known, in the same tick as the listen callback: no request comes first.
  // 503 while the store cannot take calls (Redis unreachable), so that a load balancer or a
  // readiness check sends no one to a hub that answers every write `unavailable`.
  routes.set('/healthz', onlyMethods(['GET'], (_req, res) => {
    const health = storeHealth.status();
    const body = health.up ? { status: 'ok', hub: id, store: health.kind } : { status: 'unavailable', hub: id, store: health.kind, storeDown: health.reason };
    res.writeHead(health.up ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ...body, clients: nsp.sockets.size }));
  }));
  routes.set('/metrics', onlyMethods(['GET'], (_req, res) => {
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        logger.error({ err }, 'metrics failed');
        res.writeHead(500).end();
      },
    );
  }));

  let closing: Promise<void> | undefined;
  return {
    port,
    id,
    url: `http://localhost:${port}`,
    io,
    nsp,
    broker,
    store,
    storeHealth,
    hubs,
    sessions,
    activity,
    routes,
    http,
    callers,
    authenticateClient,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => io.close(() => resolve()));
        broker.close();
        storeHealth.close();
        await store.close();
      })()),
  };
}
