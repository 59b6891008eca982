/** `npm run driver -- --name driver-1`: a driver process that picks up and delivers packages. */
import { Command } from 'commander';
import { clientConfig, loadDotenvFile } from '../config';
import { createLogger } from '../logger';
import { onShutdown } from '../cli/shutdown';
import { hubUrls, positiveNumber, wholeNumber } from '../cli/options';
import { runCli } from '../cli/run';
import { localCredential } from '../client/credential';
import { openJournal } from '../client/journal';
import { openRemoteControl } from '../client/remote-control';
import { Driver } from './driver';

async function main(): Promise<void> {
  loadDotenvFile();
  const config = clientConfig();
  const opts = new Command('caps-driver')
    .description('Pick up packages from a CAPS hub and deliver them')
    .option('--name <name>', 'the driver (DRIVER_NAME); its identity at the hub', config.driverName)
    .option('--delay <ms>', 'pause from pickup to in-transit and again to delivered (DRIVER_DELAY_MS)', wholeNumber, config.driverDelayMs)
    .option('--prefetch <n>', 'packages to carry at once (capped by the hub)', positiveNumber)
    .option('--hub <urls>', 'the hub, e.g. http://localhost:3000 or localhost:3000; several, comma-separated, are tried in turn when one fails (HUB_URL)', hubUrls, config.hubUrls)
    .option('--journal <file>', 'remember pickups and deliveries in this file across restarts')
    .option('--controllable', "let the hub's dashboard disconnect and reconnect this driver")
    .parse()
    .opts<{ name: string; delay: number; prefetch?: number; hub: string[]; journal?: string; controllable?: boolean }>();

  const logger = createLogger({ name: opts.name, ...config.log });
  const credential = localCredential(config, logger);
  const driver = new Driver({
    hubUrls: opts.hub,
    name: opts.name,
    credential,
    delayMs: opts.delay,
    logger,
    journal: openJournal(opts.journal),
    ...(opts.prefetch === undefined ? {} : { prefetch: opts.prefetch }),
  });
  const control = opts.controllable
    ? openRemoteControl({ link: driver.link, handshake: { clientId: opts.name, role: 'driver' }, credential, logger })
    : undefined;
  onShutdown(logger, () => {
    control?.close();
    return driver.stop();
  });
}

runCli('caps-driver', main);
