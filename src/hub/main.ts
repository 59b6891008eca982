/**
 * `npm run hub`: runs a CAPS hub until SIGINT or SIGTERM. Settings come from the environment
 * (.env.example lists them); the flags below override the most common ones. With `--standby`, a
 * hub on Redis waits for another one that holds its prefix, and takes over when it dies
 * (standby-hub.ts).
 */
import { hostname } from 'node:os';
import { Command } from 'commander';
import { hubConfig, loadDotenvFile, type HubConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { onShutdown } from '../cli/shutdown';
import { portNumber } from '../cli/options';
import { runCli, UsageError } from '../cli/run';
import type { QueueStore } from '../queue/store';
import type { HubRoster } from '../queue/redis/hub-roster';
import { parseStoreSpec, redactStoreName, STORE_SPEC_GRAMMAR } from '../queue/store-spec';
import { failure } from '../protocol/acks';
import type { HubView, StopHubAck } from '../protocol/dashboard';
import { CAPS_NAMESPACE } from '../protocol/events';
import { attachDashboard } from '../dashboard/dashboard';
import { dashboardPort } from './dashboard-port';
import { hubIdOf, startHub, type StartHubOptions } from './hub';
import { runStandby, type Serving } from './standby-hub';

async function main(): Promise<void> {
  const opts = new Command('caps-hub')
    .description('Run the CAPS hub: Socket.IO namespace /caps, a queue per client, the dashboard at /, /healthz and /metrics')
    .option('-p, --port <port>', 'port to listen on (PORT, default 3000)', portNumber)
    .option('-s, --store <store>', `queue store: ${STORE_SPEC_GRAMMAR} (CAPS_STORE, default memory)`)
    .option('--standby', 'on a Redis store whose prefix another hub writes under, wait and take over when that hub dies, rather than stop (CAPS_STANDBY)')
    .option('--shared', 'on a Redis store, serve its queues side by side with every other hub started with --shared (CAPS_SHARED)')
    .parse()
    .opts<{ port?: number; store?: string; standby?: true; shared?: true }>();
  loadDotenvFile();
  const config = hubConfig({
    ...(opts.port === undefined ? {} : { PORT: String(opts.port) }),
    ...(opts.store === undefined ? {} : { CAPS_STORE: opts.store }),
    ...(opts.standby ? { CAPS_STANDBY: 'true' } : {}),
    ...(opts.shared ? { CAPS_SHARED: 'true' } : {}),
  });
  const logger = createLogger({ name: 'hub', ...config.log });
  // Every handler and store callback answers its own failures; a rejection that reaches here is a
  // bug. It is logged loudly rather than allowed to end the hub and every client's deliveries with
  // it; the tests assert that none happens (tests/helpers/setup.ts).
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection: a bug in the hub; please report it'));
  let serving: Serving | undefined;
  const stopping = new AbortController();
  const roster = await joinRoster(config, logger);
  // Before the hub starts, so that a standby can be stopped while it waits: it holds nothing yet.
  onShutdown(logger, async () => {
    stopping.abort();
    await serving?.stop();
    await roster?.close();
  });
  const serve = async (store?: QueueStore) => {
    serving = await serveHub(config, logger, { ...(store && { store }), ...(roster && { hubs: () => roster.hubs() }) });
    roster?.countClients(serving.clients);
    roster?.update({ role: 'active', id: serving.id, port: serving.port });
    return serving;
  };
  // A standby that lost its lease says so in the roster at once, before it has stopped serving.
  const onLost = () => roster?.update({ role: 'standby' });
  const running = config.standby ? runStandby(config, logger, { serve, signal: stopping.signal, onLost }) : serve();
  await running.catch(async (err: unknown) => {
    // A hub that cannot start (the lease held, the port in use) leaves the roster before it says why and exits.
    await roster?.close();
    throw err;
  });
}

/** On Redis, joins the roster of the hubs on the prefix (queue/redis/hub-roster.ts), as a standby until this hub serves. */
async function joinRoster(config: HubConfig, logger: Logger): Promise<HubRoster | undefined> {
  const spec = parseStoreSpec(config.store);
  if (spec?.kind !== 'redis') return undefined;
  const entry = { id: hubIdOf(config, config.port), role: 'standby' as const, host: hostname(), pid: process.pid, port: config.port, startedAt: Date.now() };
  // Loaded here, as the store is (create-store.ts), so that only a hub on Redis loads the Redis client.
  const { HubRoster } = require('../queue/redis/hub-roster') as typeof import('../queue/redis/hub-roster');
  return HubRoster.join(spec, entry, { prefix: config.redisPrefix, leaseMs: config.redisLeaseMs, logger });
}

/**
 * A dashboard's Stop, on a standby-run hub: stops it as Ctrl-C would (SIGTERM to itself, once the
 * answer is sent), so that a standby takes over; refused while the roster lists no standby, which
 * would leave nothing serving.
 */
function stopForTakeover(hubs: HubView[]): StopHubAck {
  return stopIfOthers(
    hubs.filter((hub) => hub.role === 'standby' && !hub.self),
    'No standby hub is listed to take over, so stopping this hub would stop the service. Start a standby first, or stop this hub from its terminal.',
    (standbys) => `The hub is stopping; ${standbys} takes over within seconds, with its dashboard at its own address.`,
  );
}

/**
 * A dashboard's Stop, on a shared hub: stops it as Ctrl-C would, so that its clients move to the
 * other shared hubs, which serve the same queues; refused while the roster lists no other.
 */
function stopShared(hubs: HubView[]): StopHubAck {
  return stopIfOthers(
    hubs.filter((hub) => hub.role === 'active' && !hub.self),
    'No other shared hub is listed to serve the queues, so stopping this hub would stop the service. Start another with --shared first, or stop this hub from its terminal.',
    (others) => `The hub is stopping; its clients move to ${others}, which serve the same queues, each with its dashboard at its own address.`,
  );
}

/**
 * Stops this hub as Ctrl-C would (SIGTERM to itself, once the answer is sent) if `others` can
 * serve in its place; otherwise refuses with `refusal`. `stopping` words the answer from their ids.
 */
function stopIfOthers(others: HubView[], refusal: string, stopping: (ids: string) => string): StopHubAck {
  if (others.length === 0) return failure('unavailable', refusal);
  setImmediate(() => process.kill(process.pid, 'SIGTERM'));
  return { ok: true, message: stopping(others.map((hub) => hub.id).join(' or ')) };
}

/** Starts the hub (on `options.store` if given, else on the one `config` names) and its dashboard, and says where. */
async function serveHub(config: HubConfig, logger: Logger, options: StartHubOptions): Promise<Serving> {
  const started = Date.now();
  const hub = await startHub(config, logger, options).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${config.port} is in use; set PORT or --port`);
    throw err;
  });
  const { hubs } = options;
  const stopAsListed = config.standby ? stopForTakeover : config.shared ? stopShared : undefined;
  const stopHub = hubs && stopAsListed ? () => stopAsListed(hubs()) : undefined;
  const dashboard = attachDashboard(dashboardPort(hub), { token: config.dashboardToken, watch: config.dashboardWatch, logger, ...(stopHub && { stopHub }) });
  logger.info(`CAPS hub listening on ${hub.url}${CAPS_NAMESPACE} (hub id: ${hub.id}, store: ${redactStoreName(config.store)}, ready in ${Date.now() - started} ms)`);
  const withToken = config.dashboardToken ? ', or anyone with DASHBOARD_TOKEN' : ' only';
  const watchers = config.dashboardWatch === 'open' ? '; anyone may watch, with names and addresses hidden' : '';
  logger.info(`Dashboard: ${hub.url}/ (this machine${withToken}${watchers})`);
  const { classroom, secret, secretFile } = config.trust;
  logger.info(`Clients without a token: ${classroom === 'open' ? 'from anywhere (CLASSROOM=open)' : 'this machine only'}; a token for elsewhere: npm run token -- --role vendor --store <name> (secret: ${secret === undefined ? secretFile : 'CAPS_SECRET'})`);
  let stopping: Promise<void> | undefined;
  return {
    url: hub.url,
    id: hub.id,
    port: hub.port,
    clients: () => hub.nsp.sockets.size,
    stop: () =>
      (stopping ??= (() => {
        dashboard.close();
        return hub.close();
      })()),
  };
}

runCli('caps-hub', main);
