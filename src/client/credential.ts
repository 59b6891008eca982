/**
 * The credential our CLIs (vendor, driver, the simulator's workers) connect with: `CAPS_TOKEN` if
 * one was issued for them, else a token they sign with the secret they share with a hub on the
 * same machine (auth/client-token.ts), so that nothing needs copying there. A secret that cannot
 * be read is fatal, with the reason: retrying would not help, and connecting without a token would
 * only be refused.
 */
import { clientToken } from '../auth/client-token';
import type { ClientConfig } from '../config';
import type { Logger } from '../logger';
import type { Credential } from './connect';

export function localCredential(config: Pick<ClientConfig, 'secret' | 'token'>, logger: Logger): Credential {
  return (claims) =>
    clientToken(config, claims).catch((err: unknown) => {
      logger.fatal(`cannot sign this client's token: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
