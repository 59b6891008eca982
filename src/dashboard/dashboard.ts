/**
 * The live dashboard, served by the hub itself: the page at `/`, the `/dashboard` namespace that
 * feeds it, the `/control` namespace through which it drives controllable clients, and the
 * dead-letter routes (dead-letter-routes.ts).
 * The protocol of both namespaces is described in protocol/dashboard.ts.
 *
 * @example
 *   const hub = await startHub(config, logger);
 *   const dashboard = attachDashboard(dashboardPort(hub), { token: config.dashboardToken, watch: config.dashboardWatch, logger });
 *   console.log(`dashboard: ${hub.url}/`);
 *   …
 *   dashboard.close();
 *   await hub.close();
 */
import type { Namespace, Socket } from 'socket.io';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import {
  CONTROL_NAMESPACE,
  DASHBOARD_NAMESPACE,
  DASHBOARD_TICK_MS,
  type Access,
  type ControlAck,
  type DashboardToPageEvents,
  type PageToDashboardEvents,
  type StopHubAck,
} from '../protocol/dashboard';
import { accessOf, callerOf, type AccessPolicy } from './access';
import { ControlCommands } from './control-commands';
import { DashboardFeed } from './feed';
import { addDeadLetterRoutes } from './dead-letter-routes';
import { addPageRoutes } from './page-routes';
import type { DashboardPort } from './port';
import { updateFor } from './redaction';
import { RemoteControls, type RemoteNamespace } from './remote-controls';

/** What the hub keeps about a page's socket: what it may see and do, decided at the handshake. */
interface PageData {
  access: Access;
}
export type DashboardNamespace = Namespace<PageToDashboardEvents, DashboardToPageEvents, Record<string, never>, PageData>;
type PageSocket = Socket<PageToDashboardEvents, DashboardToPageEvents, Record<string, never>, PageData>;

/** The access levels of open pages; each page sits in the room of its level. */
const LEVELS: readonly Access['level'][] = ['control', 'watch'];

export interface DashboardOptions extends AccessPolicy {
  logger: Logger;
  /**
   * A page's `stopHub`, once its access is checked: stops this hub's process as Ctrl-C would,
   * after the answer is sent, or says why not. Given by `npm run hub -- --standby` on Redis,
   * where another hub takes over. Without it, `stopHub` is answered `not_found`.
   */
  stopHub?: () => StopHubAck;
  /** How long to wait for a controllable client to carry out a command (tests shorten it). */
  remoteTimeoutMs?: number;
}

export interface Dashboard {
  readonly nsp: DashboardNamespace;
  readonly remotes: RemoteControls;
  /** Stops the updates and removes the page's routes; the hub's `close` closes the sockets. */
  close(): void;
}

/** Adds the dashboard to a running hub, through the hub's port (src/hub/dashboard-port.ts). */
export function attachDashboard(port: DashboardPort, options: DashboardOptions): Dashboard {
  const logger = options.logger.child({ feature: 'dashboard' });
  const feed = new DashboardFeed(port);
  const remotes = new RemoteControls(namespaceOf<RemoteNamespace>(port, CONTROL_NAMESPACE), {
    authenticate: (socket, next) => port.authenticateClient(socket, next),
    logger,
    ...(options.remoteTimeoutMs === undefined ? {} : { timeoutMs: options.remoteTimeoutMs }),
    onChange: (handshake, controllable) => feed.clients.setControllable(handshake, controllable),
  });
  const commands = new ControlCommands({ port, clients: feed.clients, remotes, log: feed.log, logger });
  const nsp = namespaceOf<DashboardNamespace>(port, DASHBOARD_NAMESPACE);
  // Decided once, at the handshake: its address, headers and auth do not change while the socket lives.
  nsp.use((socket, next) => {
    const access = accessOf(callerOf(socket, port.callers), options);
    if (access.level === 'none') return next(Object.assign(new Error(access.why), { data: { code: 'forbidden' } }));
    socket.data.access = access;
    next();
  });
  nsp.on('connection', (socket) => {
    feed.watch(true);
    void socket.join(socket.data.access.level);
    servePage(socket, feed, commands, logger, options.stopHub);
  });

  const ticker = setInterval(() => {
    if (nsp.sockets.size === 0) {
      feed.watch(false);
      return feed.discard();
    }
    const update = feed.update();
    if (!update) return;
    for (const level of LEVELS) if (nsp.adapter.rooms.get(level)?.size) nsp.to(level).emit('update', updateFor(update, level));
  }, DASHBOARD_TICK_MS).unref();
  const removeRoutes = [...addPageRoutes(port, logger), ...addDeadLetterRoutes(port, options, logger)];

  return {
    nsp,
    remotes,
    close() {
      clearInterval(ticker);
      feed.close();
      for (const remove of removeRoutes) remove();
    },
  };
}

/**
 * A namespace of the hub's server with its own event map. Socket.IO types a whole server with one
 * map (the hub's, for `/caps`); the dashboard's namespaces have theirs, hence the one cast here.
 */
function namespaceOf<N>(port: DashboardPort, name: string): N {
  return port.namespace(name) as unknown as N;
}

/** One open page: its snapshot, then its commands. */
function servePage(socket: PageSocket, feed: DashboardFeed, commands: ControlCommands, logger: Logger, stopHub: (() => StopHubAck) | undefined): void {
  const { access } = socket.data;
  socket.emit('snapshot', feed.snapshot(access));
  // The map types what our page sends; anything can arrive, so the handlers take `unknown`.
  const untyped = socket as unknown as Socket;
  const ackOf = (event: string, args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack === 'function') return ack as (result: StopHubAck | ControlAck) => void;
    logger.warn({ address: socket.handshake.address }, `dashboard ${event} without an ack: ignored`);
    return undefined;
  };
  untyped.on('stopHub', (...args: unknown[]) => {
    const ack = ackOf('stopHub', args);
    if (!ack) return;
    if (access.level !== 'control') return ack(failure('forbidden', `The hub refused: ${access.why}.`));
    if (!stopHub) return ack(failure('not_found', 'This hub cannot be stopped from its dashboard: only a hub run by npm run hub -- --standby on Redis, where another hub takes over, can.'));
    const answer = stopHub();
    if (answer.ok) logger.warn({ address: socket.handshake.address }, 'stopping this hub, as its dashboard asked');
    ack(answer);
  });
  untyped.on('control', (...args: unknown[]) => {
    const ack = ackOf('control', args);
    if (!ack) return;
    commands.handle(access, args[0], socket.handshake.address).then(
      (result) => ack(result),
      // handle() answers every failure itself; this is for a bug in it.
      (err: unknown) => {
        logger.error({ err }, 'dashboard control failed');
        ack(failure('internal', 'the hub failed to carry out the command; it has logged why'));
      },
    );
  });
}
