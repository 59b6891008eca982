/** `npm run vendor -- --store acme-widgets`: a vendor process that posts orders and says thank you. */
import { Command } from 'commander';
import { clientConfig, loadDotenvFile } from '../config';
import { createLogger } from '../logger';
import { onShutdown } from '../cli/shutdown';
import { hubUrls, positiveNumber, wholeNumber } from '../cli/options';
import { runCli } from '../cli/run';
import { localCredential } from '../client/credential';
import { defaultJournal, openJournal } from '../client/journal';
import { openRemoteControl } from '../client/remote-control';
import { orderFactory } from './orders';
import { Vendor } from './vendor';

async function main(): Promise<void> {
  loadDotenvFile();
  const config = clientConfig();
  const opts = new Command('caps-vendor')
    .description('Post fake orders to a CAPS hub and thank drivers for deliveries')
    .option('--store <name>', 'the store (STORE_NAME)', config.storeName)
    .option('--interval <ms>', 'pause between orders (VENDOR_INTERVAL_MS)', positiveNumber, config.vendorIntervalMs)
    .option('--count <n>', 'stop posting after n orders; 0 posts none and only listens for deliveries (default: never stop)', wholeNumber)
    .option('--hub <urls>', 'the hub, e.g. http://localhost:3000 or localhost:3000; several, comma-separated, are tried in turn when one fails (HUB_URL)', hubUrls, config.hubUrls)
    .option('--journal <file>', 'remember orders and thank-yous in this file across restarts (default: CAPS_STATE_DIR/vendor-<store>.journal)')
    .option('--controllable', "let the hub's dashboard post orders and disconnect or reconnect this vendor")
    .parse()
    .opts<{ store: string; interval: number; count?: number; hub: string[]; journal?: string; controllable?: boolean }>();

  const logger = createLogger({ name: `vendor:${opts.store}`, ...config.log });
  const orders = orderFactory();
  const clientId = `vendor:${opts.store}`;
  const credential = localCredential(config, logger);
  const vendor = new Vendor({ hubUrls: opts.hub, store: opts.store, clientId, credential, logger, orders, journal: openJournal(opts.journal ?? defaultJournal(config.stateDir, opts.store)) });
  const control = opts.controllable
    ? openRemoteControl({
        link: vendor.link,
        handshake: { clientId, role: 'vendor', store: opts.store },
        credential,
        post: () => {
          const order = orders(opts.store);
          vendor.post(order).catch((err: unknown) => logger.error({ err }, 'VENDOR: could not post an order'));
          return order.orderId;
        },
        logger,
      })
    : undefined;
  onShutdown(logger, () => {
    control?.close();
    return vendor.stop();
  });
  if (opts.count === 0) logger.info('VENDOR: posting no orders (--count 0); listening for deliveries (Ctrl-C to stop)');
  await vendor.run({ intervalMs: opts.interval, ...(opts.count === undefined ? {} : { count: opts.count }) });
  if (opts.count) logger.info(`VENDOR: posted all ${opts.count} orders; waiting for deliveries (Ctrl-C to stop)`);
}

runCli('caps-vendor', main);
