/**
 * `npm run demo`: the whole system in one terminal: a hub, two vendors and two drivers, each a
 * process of its own with its output prefixed by its name (coloured on a terminal only).
 * Ctrl-C stops every process cleanly.
 */
import concurrently from 'concurrently';
import { clientConfig, hubConfig, loadDotenvFile } from '../config';
import { DEMO_STORES, demoCommands } from './commands';

loadDotenvFile();
const { port } = hubConfig();
const { vendorIntervalMs, driverDelayMs } = clientConfig();
const hubUrl = `http://localhost:${port}`;

console.log(`CAPS demo: hub at ${hubUrl}/caps, vendors ${DEMO_STORES.join(' and ')}, drivers driver-1 and driver-2. Ctrl-C stops it.`);
console.log(`Dashboard: ${hubUrl}/ (open it in a browser to watch, post orders, and stop and restart clients)`);
const { result } = concurrently(demoCommands({ port, hubUrl, vendorIntervalMs, driverDelayMs }), {
  prefix: 'name',
  prefixColors: ['magenta', 'cyan', 'blue', 'green', 'yellow'],
  killOthersOn: ['failure'],
});
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
