/**
 * `npm run demo`: the whole system in one terminal: a hub, two vendors and two drivers, each a
 * process of its own with its output prefixed by its name (coloured on a terminal only).
 * `PORT` (or `.env`) sets the hub's port. Ctrl-C stops every process cleanly.
 *
 * The clients start only once the hub says it is listening, so the first screen is the hub's
 * address, not the clients' connection warnings; a hub that cannot start (a port in use) ends the
 * demo with its one-line reason.
 */
import concurrently from 'concurrently';
import { clientConfig, hubConfig, loadDotenvFile } from '../config';
import { runCli } from '../cli/run';
import { DEMO_DRIVERS, DEMO_STORES, demoCommands } from './commands';

const HUB_LISTENING = /CAPS hub listening on/;

async function main(): Promise<number> {
  loadDotenvFile();
  const { port } = hubConfig();
  const { vendorIntervalMs, driverDelayMs } = clientConfig();
  const hubUrl = `http://localhost:${port}`;
  const commands = demoCommands({ port, hubUrl, vendorIntervalMs, driverDelayMs });
  const options = { prefix: 'name', killOthersOn: ['failure' as const] };

  console.log(`CAPS demo: hub at ${hubUrl}/caps, vendors ${DEMO_STORES.join(' and ')}, drivers ${DEMO_DRIVERS.join(' and ')}. Ctrl-C stops it.`);
  const hub = concurrently(
    commands.filter((c) => c.name === 'hub'),
    { ...options, prefixColors: ['magenta'] },
  );
  const listening = await new Promise<boolean>((resolve) => {
    const watch = hub.commands[0]!.stdout.subscribe((chunk) => HUB_LISTENING.test(chunk.toString()) && resolve(true));
    hub.result.then(
      () => resolve(false),
      () => resolve(false),
    );
    void hub.result.finally(() => watch.unsubscribe());
  });
  if (!listening) return hub.result.then(() => 0, () => 1);

  console.log(`Dashboard: ${hubUrl}/ (open it in a browser to watch, post orders, and stop and restart clients)`);
  const clients = concurrently(
    commands.filter((c) => c.name !== 'hub'),
    { ...options, prefixColors: ['cyan', 'blue', 'green', 'yellow'] },
  );
  // Either group failing stops the other, as one group with killOthersOn would.
  hub.result.catch(() => clients.commands.forEach((c) => c.kill()));
  clients.result.catch(() => hub.commands.forEach((c) => c.kill()));
  const [hubEnd, clientsEnd] = await Promise.allSettled([hub.result, clients.result]);
  return hubEnd.status === 'fulfilled' && clientsEnd.status === 'fulfilled' ? 0 : 1;
}

runCli('caps-demo', () => main().then((code) => process.exit(code)));
