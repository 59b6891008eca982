/**
 * The ioredis options that reach the Redis a store name points at: its address and database, its
 * credentials, and TLS for `rediss://`. Every client CAPS makes to a store's Redis starts from
 * these, so a password or TLS given in `CAPS_STORE` applies to all of them alike.
 */
import type { RedisOptions } from 'ioredis';
import type { RedisSpec } from '../store-spec';

export function serverOptions(spec: RedisSpec): RedisOptions {
  return {
    host: spec.host,
    port: spec.port,
    db: spec.db,
    ...(spec.username !== undefined && { username: spec.username }),
    ...(spec.password !== undefined && { password: spec.password }),
    // Node checks the certificate against its trusted CAs (NODE_EXTRA_CA_CERTS adds a private one) and the host name.
    ...(spec.tls && { tls: {} }),
  };
}
