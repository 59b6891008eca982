/**
 * `npm run hub`: runs a CAPS hub until SIGINT or SIGTERM. Settings come from the environment
 * (.env.example lists them); the flags below override the most common ones.
 */
import { Command } from 'commander';
import { hubConfig, loadDotenvFile } from '../config';
import { createLogger } from '../logger';
import { onShutdown } from '../cli/shutdown';
import { portNumber } from '../cli/options';
import { runCli, UsageError } from '../cli/run';
import { STORE_SPEC_GRAMMAR } from '../queue/store-spec';
import { CAPS_NAMESPACE } from '../protocol/events';
import { attachDashboard } from '../dashboard/dashboard';
import { dashboardPort } from './dashboard-port';
import { startHub } from './hub';

async function main(): Promise<void> {
  const opts = new Command('caps-hub')
    .description('Run the CAPS hub: Socket.IO namespace /caps, a queue per client, the dashboard at /, /healthz and /metrics')
    .option('-p, --port <port>', 'port to listen on (PORT, default 3000)', portNumber)
    .option('-s, --store <store>', `queue store: ${STORE_SPEC_GRAMMAR} (CAPS_STORE, default memory)`)
    .parse()
    .opts<{ port?: number; store?: string }>();
  loadDotenvFile();
  const config = hubConfig({
    ...(opts.port === undefined ? {} : { PORT: String(opts.port) }),
    ...(opts.store === undefined ? {} : { CAPS_STORE: opts.store }),
  });
  const logger = createLogger({ name: 'hub', ...config.log });
  // Every handler and store callback answers its own failures; a rejection that reaches here is a
  // bug. It is logged loudly rather than allowed to end the hub and every client's deliveries with
  // it; the tests assert that none happens (tests/helpers/setup.ts).
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection: a bug in the hub; please report it'));
  const started = Date.now();
  const hub = await startHub(config, logger).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${config.port} is in use; set PORT or --port`);
    throw err;
  });
  const dashboard = attachDashboard(dashboardPort(hub), { token: config.dashboardToken, watch: config.dashboardWatch, logger });
  logger.info(`CAPS hub listening on ${hub.url}${CAPS_NAMESPACE} (hub id: ${hub.id}, store: ${config.store}, ready in ${Date.now() - started} ms)`);
  const withToken = config.dashboardToken ? ', or anyone with DASHBOARD_TOKEN' : ' only';
  const watchers = config.dashboardWatch === 'open' ? '; anyone may watch, with names and addresses hidden' : '';
  logger.info(`Dashboard: ${hub.url}/ (this machine${withToken}${watchers})`);
  const { classroom, secret, secretFile } = config.trust;
  logger.info(`Clients without a token: ${classroom === 'open' ? 'from anywhere (CLASSROOM=open)' : 'this machine only'}; a token for elsewhere: npm run token -- --role vendor --store <name> (secret: ${secret === undefined ? secretFile : 'CAPS_SECRET'})`);
  onShutdown(logger, () => {
    dashboard.close();
    return hub.close();
  });
}

runCli('caps-hub', main);
