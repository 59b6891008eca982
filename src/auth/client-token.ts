/**
 * The token one of our own clients (vendor, driver) presents to the hub, with nothing to copy on
 * the hub's machine: `CAPS_TOKEN` when one was given (a hub on another machine issued it), or else
 * one the client signs for itself with the secret it shares with the hub there (secret.ts).
 *
 * @example
 *   const token = await clientToken(clientConfig(), { role: 'vendor', store, clientId: `vendor:${store}` });
 *   io(url, { auth: { caps: CAPS_PROTOCOL, role: 'vendor', clientId, store, token } });
 */
import type { ClientConfig } from '../config';
import { loadSecret } from './secret';
import { issueToken, type TokenClaims } from './token';

/**
 * `config.token` if set, else a token for `claims` signed with the local secret (created if this
 * machine has none yet, exactly as the hub would). Throws `SecretError` when the secret file is
 * unsafe or unreadable, `TokenClaimsError` for claims no hub accepts.
 */
export async function clientToken(config: Pick<ClientConfig, 'secret' | 'token'>, claims: TokenClaims): Promise<string> {
  return config.token ?? issueToken(loadSecret(config.secret), claims);
}
