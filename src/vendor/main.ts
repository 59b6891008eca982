/** `npm run vendor -- --store acme-widgets`: a vendor process that posts orders and says thank you. */
import { Command } from 'commander';
import { clientConfig, loadDotenvFile } from '../config';
import { createLogger } from '../logger';
import { onShutdown } from '../cli/shutdown';
import { positiveNumber } from '../cli/options';
import { openJournal } from '../client/journal';
import { Vendor } from './vendor';

loadDotenvFile();
const config = clientConfig();
const opts = new Command('caps-vendor')
  .description('Post fake orders to a CAPS hub and thank drivers for deliveries')
  .option('--store <name>', 'the store (STORE_NAME)', config.storeName)
  .option('--interval <ms>', 'pause between orders (VENDOR_INTERVAL_MS)', positiveNumber, config.vendorIntervalMs)
  .option('--count <n>', 'stop posting after n orders (default: never stop)', positiveNumber)
  .option('--hub <url>', 'the hub (HUB_URL)', config.hubUrl)
  .option('--journal <file>', 'remember orders and thank-yous in this file across restarts')
  .parse()
  .opts<{ store: string; interval: number; count?: number; hub: string; journal?: string }>();

const logger = createLogger({ name: `vendor:${opts.store}`, ...config.log });
const vendor = new Vendor({ hubUrl: opts.hub, store: opts.store, logger, journal: openJournal(opts.journal) });
onShutdown(logger, () => vendor.stop());
vendor
  .run({ intervalMs: opts.interval, ...(opts.count === undefined ? {} : { count: opts.count }) })
  .then(() => opts.count !== undefined && logger.info(`VENDOR: posted all ${opts.count} orders; waiting for deliveries (Ctrl-C to stop)`));
