/**
 * `npm run simulate`: runs a hub, vendors and drivers as real processes, optionally with chaos,
 * then checks from the clients' journals that every order was delivered once, thanked once and
 * none lost. Exits 0 if every invariant holds, 1 if one does not, 2 if the run could not be made
 * (bad flags, a hub that does not start), 130 on Ctrl-C. docs/simulator.md explains it all.
 *
 * @example
 *   npm run simulate -- --orders 3000 --store lmdb:/tmp/caps-sim --chaos --seed 7
 *   npm run simulate -- --store redis --chaos     # a private redis-server, which chaos kills too
 *   npm run --silent simulate -- --orders 2000 --json | jq .duplicateEffects
 */
import { Command } from 'commander';
import { loadDotenvFile } from '../config';
import { positiveNumber, wholeNumber } from '../cli/options';
import { STORE_SPEC_GRAMMAR } from '../queue/store-spec';
import { DEFAULT_SIMULATION as D, PRIVATE_REDIS, simulationOptions, type SimulationOptions } from './options';
import { progressView } from './progress';
import { formatReport, toJson } from './report';
import { simulate } from './run';

/** The flags: the options that keep their name, those renamed, and `--json`, which is the CLI's own. */
type Flags = Partial<Pick<SimulationOptions, 'vendors' | 'drivers' | 'orders' | 'store' | 'chaos' | 'seed' | 'window' | 'port' | 'hubs' | 'shared' | 'keep'>> & {
  delay?: SimulationOptions['driverDelayMs'];
  rate?: number;
  /** In seconds; `timeoutMs` in the options. */
  timeout?: number;
  json?: boolean;
};

/** The exit code for a run that could not be made; 1 means an invariant failed. */
const CANNOT_RUN = 2;

async function main(): Promise<number> {
  const flags = new Command('caps-simulate')
    .description('Simulate vendors and drivers against a real CAPS hub, optionally with faults, and check delivery invariants')
    .option('--vendors <v>', `vendor clients (default ${D.vendors})`, positiveNumber)
    .option('--drivers <d>', `driver clients (default ${D.drivers})`, positiveNumber)
    .option('--orders <n>', `orders in all, split over the vendors (default ${D.orders})`, positiveNumber)
    .option(
      '--store <store>',
      `the hub's store: ${STORE_SPEC_GRAMMAR} (lmdb: a new or empty directory; redis://: under a key prefix of the run's own, deleted afterwards), or ${PRIVATE_REDIS}, a private redis-server for the run (default ${D.store})`,
    )
    .option('--chaos', 'kill and restart workers, drop connections, kill the hub (lmdb, Redis) and the private redis-server, from a seeded schedule')
    .option('--seed <s>', `seeds the orders and the chaos schedule (default ${D.seed})`, wholeNumber)
    .option('--json', 'print one JSON object on stdout instead of the table')
    .option('--delay <ms>', `a driver's pause before in-transit and again before delivered (default ${D.driverDelayMs})`, wholeNumber)
    .option('--window <n>', `orders a vendor may have unconfirmed at once (default ${D.window})`, positiveNumber)
    .option('--rate <n>', 'orders per second, all vendors together (default: as fast as the hub takes them)', positiveNumber)
    .option('--timeout <s>', 'fail the run after this many seconds (default 60 + 0.02 per order)', positiveNumber)
    .option('--port <port>', "the hub's port (default: a free one)", positiveNumber)
    .option('--hubs <n>', `hubs, each a standby on a port of its own, one serving at a time (a Redis store only; default ${D.hubs})`, positiveNumber)
    .option('--shared', 'run the hubs as shared hubs: every one serves, and the clients are spread over them (with --hubs, on Redis)')
    .option('--keep', 'keep the run directory (journals and logs) and print where it is')
    // A bad flag means the run could not be made: exit 2, not commander's 1, which would read as "an invariant failed".
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : CANNOT_RUN))
    .parse()
    .opts<Flags>();
  loadDotenvFile();
  const options = simulationOptions({
    vendors: flags.vendors,
    drivers: flags.drivers,
    orders: flags.orders,
    store: flags.store,
    chaos: flags.chaos,
    seed: flags.seed,
    driverDelayMs: flags.delay,
    window: flags.window,
    ratePerSecond: flags.rate,
    timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    port: flags.port,
    hubs: flags.hubs,
    shared: flags.shared,
    keep: flags.keep,
  });

  const view = progressView(flags.json || !process.stdout.isTTY ? 'lines' : 'bar');
  // A first Ctrl-C stops the run and cleans up; a second one leaves at once (children still get killed on exit).
  const stop = new AbortController();
  process.on('SIGINT', () => (stop.signal.aborted ? process.exit(130) : stop.abort(new Error('interrupted'))));
  process.on('SIGTERM', () => stop.abort(new Error('terminated')));

  try {
    const report = await simulate(options, { onProgress: (state) => view.update(state), signal: stop.signal });
    view.stop();
    console.log(flags.json ? JSON.stringify(toJson(report)) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    view.stop();
    if (stop.signal.aborted) {
      console.error(`simulate: ${(stop.signal.reason as Error).message}; every process stopped`);
      return 130;
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`simulate: ${message}`);
    // --json promises one object on stdout, even when the run could not be made.
    if (process.argv.includes('--json')) console.log(JSON.stringify({ ok: false, error: message }));
    process.exit(CANNOT_RUN);
  },
);
