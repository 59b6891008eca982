/**
 * Graceful shutdown for every CAPS process: on SIGINT or SIGTERM, run `stop` once and exit 0;
 * a second signal, or a `stop` that fails, exits at once with 1.
 */
import type { Logger } from '../logger';

export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
