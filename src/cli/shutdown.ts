/**
 * Graceful shutdown for every CAPS process: on SIGINT or SIGTERM, run `stop` once and exit 0.
 * A `stop` that fails, or that has not finished after `graceMs`, exits with 1.
 *
 * Further signals during shutdown are ignored rather than taken as "force it": Ctrl-C on an
 * `npm run` reaches the process twice, once from the terminal and once forwarded by npm. The npm
 * scripts start each process with `exec`, so that npm reports the process's own exit code.
 */
import type { Logger } from '../logger';

export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    setTimeout(() => {
      logger.error(`still shutting down after ${graceMs} ms; exiting`);
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
