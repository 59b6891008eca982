/**
 * The live dashboard, served by the hub itself: the page at `/`, the `/dashboard` namespace that
 * feeds it, the `/control` namespace through which it drives controllable clients, and the
 * dead-letter routes (dead-letter-routes.ts).
 * The protocol of both namespaces is described in protocol/dashboard.ts.
 *
 * @example
 *   const hub = await startHub(config, logger);
 *   const dashboard = attachDashboard(dashboardPort(hub), { token: config.dashboardToken, logger });
 *   console.log(`dashboard: ${hub.url}/`);
 *   …
 *   dashboard.close();
 *   await hub.close();
 */
import type { Namespace, Socket } from 'socket.io';
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import { CONTROL_NAMESPACE, DASHBOARD_NAMESPACE, DASHBOARD_TICK_MS, type DashboardToPageEvents, type PageToDashboardEvents } from '../protocol/dashboard';
import { callerOf, controlAccess } from './access';
import { ControlCommands } from './control-commands';
import { DashboardFeed } from './feed';
import { addDeadLetterRoutes } from './dead-letter-routes';
import { addPageRoutes } from './page-routes';
import type { DashboardPort } from './port';
import { RemoteControls, type RemoteNamespace } from './remote-controls';

export type DashboardNamespace = Namespace<PageToDashboardEvents, DashboardToPageEvents>;
type PageSocket = Socket<PageToDashboardEvents, DashboardToPageEvents>;

export interface DashboardOptions {
  /** `DASHBOARD_TOKEN`: opens the controls to callers that are not on the hub's machine; '' for none. */
  token: string;
  logger: Logger;
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
    token: options.token,
    logger,
    ...(options.remoteTimeoutMs === undefined ? {} : { timeoutMs: options.remoteTimeoutMs }),
    onChange: (handshake, controllable) => feed.clients.setControllable(handshake, controllable),
  });
  const commands = new ControlCommands({ port, clients: feed.clients, remotes, log: feed.log, logger });
  const nsp = namespaceOf<DashboardNamespace>(port, DASHBOARD_NAMESPACE);
  nsp.on('connection', (socket) => {
    feed.watch(true);
    servePage(socket, feed, commands, options.token, logger);
  });

  const ticker = setInterval(() => {
    if (nsp.sockets.size === 0) {
      feed.watch(false);
      return feed.discard();
    }
    const update = feed.update();
    if (update) nsp.emit('update', update);
  }, DASHBOARD_TICK_MS).unref();
  const removeRoutes = [...addPageRoutes(port, logger), ...addDeadLetterRoutes(port, options.token, logger)];

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
function servePage(socket: PageSocket, feed: DashboardFeed, commands: ControlCommands, token: string, logger: Logger): void {
  // Decided once: a handshake's address, headers and auth do not change while the socket lives.
  const access = controlAccess(callerOf(socket.handshake), token);
  socket.emit('snapshot', feed.snapshot(access));
  // The map types what our page sends; anything can arrive, so the handler takes `unknown`.
  (socket as unknown as Socket).on('control', (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack !== 'function') {
      logger.warn({ address: socket.handshake.address }, 'dashboard control without an ack: ignored');
      return;
    }
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
