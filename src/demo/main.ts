/**
 * `npm run demo`: the whole system in one terminal: a hub, two vendors and two drivers, each a
 * process of its own with its output prefixed by its name (coloured on a terminal only).
 * `PORT` (or `.env`) sets the hub's port. Ctrl-C stops every process cleanly.
 *
 * `--hubs N --store redis://…` starts N hubs on that Redis instead, on N ports from `PORT` on:
 * one serves and the others stand by (docs/scaling.md, "Hot standby"), and every client is given
 * all of them. Stop the serving hub (its dashboard's Stop button, or kill it) and watch another
 * take over and the clients move to it. With `--shared`, every hub serves, sharing the queues
 * (docs/scaling.md, "Several active hubs: shared"), and the clients are spread over them: stop one
 * and watch its clients move to the others, with no order lost.
 *
 * The clients start only once a hub says it is listening, so the first screen is the hub's
 * address, not the clients' connection warnings; a hub that cannot start (a port in use) ends the
 * demo with its one-line reason.
 */
import { Command, InvalidArgumentError } from 'commander';
import concurrently, { type ConcurrentlyResult } from 'concurrently';
import { clientConfig, hubConfig, loadDotenvFile } from '../config';
import { positiveNumber } from '../cli/options';
import { runCli, UsageError } from '../cli/run';
import { parseStoreSpec, redactStoreName, STORE_SPEC_GRAMMAR } from '../queue/store-spec';
import { DEMO_DRIVERS, DEMO_STORES, demoClientCommands, demoHubCommands, demoHubUrls } from './commands';

const HUB_LISTENING = /CAPS hub listening on (http:\/\/\S+)\/caps/;
/** Enough to show a takeover, and few enough for one machine. */
const MAX_HUBS = 9;

function hubCount(text: string): number {
  const value = positiveNumber(text);
  if (value > MAX_HUBS) throw new InvalidArgumentError(`expected at most ${MAX_HUBS}`);
  return value;
}

async function main(): Promise<number> {
  const opts = new Command('caps-demo')
    .description('Run a hub, two vendors and two drivers in one terminal; the dashboard shows them')
    .option('--hubs <n>', `hubs, on ports from PORT on: one serves, the others stand by (needs a Redis store; at most ${MAX_HUBS})`, hubCount, 1)
    .option('--shared', 'with --hubs: every hub serves, sharing the queues (--shared hubs), and the clients are spread over them')
    .option('-s, --store <store>', `the hubs' queue store: ${STORE_SPEC_GRAMMAR} (CAPS_STORE, default memory)`)
    .parse()
    .opts<{ hubs: number; store?: string; shared?: true }>();
  loadDotenvFile();
  const { port, store } = hubConfig(opts.store === undefined ? {} : { CAPS_STORE: opts.store });
  if (opts.hubs > 1 && parseStoreSpec(store)?.kind !== 'redis') {
    throw new UsageError(`--hubs ${opts.hubs} needs a store the hubs share: --store redis://host:port (or CAPS_STORE); the store is ${redactStoreName(store)}`);
  }
  const { vendorIntervalMs, driverDelayMs } = clientConfig();
  const shared = opts.shared === true && opts.hubs > 1;
  const settings = { port, hubs: opts.hubs, shared, store, vendorIntervalMs, driverDelayMs };
  const urls = demoHubUrls(settings);
  const options = { prefix: 'name', killOthersOn: ['failure' as const] };

  const where = opts.hubs === 1 ? `hub at ${urls[0]}/caps` : `${opts.hubs} hubs at ${urls.join(', ')} (${shared ? 'all serving, sharing the queues' : 'one serves, the others stand by'})`;
  console.log(`CAPS demo: ${where}, vendors ${DEMO_STORES.join(' and ')}, drivers ${DEMO_DRIVERS.join(' and ')}. Ctrl-C stops it.`);
  // Several hubs: one that stops or dies must not take the others with it; that is what they are for.
  const hubs = concurrently(demoHubCommands(settings), { ...options, ...(opts.hubs > 1 && { killOthersOn: [] }), prefixColors: ['magenta', 'red', 'gray'] });
  const serving = await firstListening(hubs);
  if (serving === undefined) return hubs.result.then(() => 0, () => 1);

  const others =
    opts.hubs === 1
      ? ''
      : shared
        ? `; every hub has its own (${urls.join(', ')}), and Stop this hub moves its clients to the others`
        : `; should that hub stop, another takes over within seconds, with its dashboard at its own address (${urls.join(', ')})`;
  console.log(`Dashboard: ${serving}/ (open it in a browser to watch, post orders, and stop and restart clients${others})`);
  const clients = concurrently(demoClientCommands(settings), { ...options, prefixColors: ['cyan', 'blue', 'green', 'yellow'] });
  // Clients failing stops the hubs, as one group with killOthersOn would. The hubs' group ends only
  // once every hub has (stopped from a dashboard, or failed): with no hub left, the clients would
  // retry for ever, so they are stopped whichever way it ended.
  const stopClients = () => clients.commands.forEach((c) => c.kill());
  hubs.result.then(stopClients, stopClients);
  clients.result.catch(() => hubs.commands.forEach((c) => c.kill()));
  const [hubsEnd, clientsEnd] = await Promise.allSettled([hubs.result, clients.result]);
  return hubsEnd.status === 'fulfilled' && clientsEnd.status === 'fulfilled' ? 0 : 1;
}

/** The address of the first hub to say it listens, or `undefined` if every hub ended first. */
function firstListening(hubs: ConcurrentlyResult): Promise<string | undefined> {
  return new Promise((resolve) => {
    const watches = hubs.commands.map((command) =>
      command.stdout.subscribe((chunk) => {
        const listening = HUB_LISTENING.exec(chunk.toString());
        if (listening) resolve(listening[1]);
      }),
    );
    // Handled either way: a hub that was killed makes the result reject, once every hub has ended.
    const ended = () => {
      for (const watch of watches) watch.unsubscribe();
      resolve(undefined);
    };
    hubs.result.then(ended, ended);
  });
}

runCli('caps-demo', () => main().then((code) => process.exit(code)));
