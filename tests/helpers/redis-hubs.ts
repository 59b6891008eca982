/**
 * Hubs as real processes (`npm run hub`) on a private Redis, and our clients' sockets to them; all
 * of it is stopped by `cleanup` (the hubs SIGKILLed, the sockets closed, the Redis killed and its
 * directory removed), also when the test failed.
 *
 * @example
 *   const hubs = new RedisHubs();
 *   afterEach(() => hubs.cleanup());
 *   const { proc, url } = await hubs.hub('hub');
 *   await proc.line(/CAPS hub listening on/);
 *   const driver = hubs.connect(url, { role: 'driver', clientId: 'driver-1' });
 */
import { connectCaps, type CapsClientSocket, type HandshakeFields } from '../../src/client/connect';
import type { Envelope } from '../../src/protocol/envelope';
import { RedisKeys } from '../../src/queue/redis/keys';
import { freePort, Processes, type Proc } from './processes';
import { RedisServer, type RedisServerOptions } from './redis-server';
import { testCredential } from './setup';

/** A 3-second writer lease (`CAPS_REDIS_LEASE_MS`), so that a standby takes over within seconds. */
export const SHORT_LEASE = { CAPS_REDIS_LEASE_MS: '3000' };
/** The line a hub on Redis logs when it holds the writer lease and serves. */
export const ACTIVE_LINE = /now the active hub: this hub holds the writer lease of redis:\/\/\S+ prefix "caps:" and serves at http:\/\/localhost:\d+$/;
/** The line a standby logs while another hub holds the lease; the group is that hub's pid. */
export const STANDING_BY_LINE = /standing by for hub pid (\d+) on /;
/** The keys of the hubs' prefix (the default, `caps:`), to read Redis directly. */
export const HUB_KEYS = new RedisKeys('caps:');

export class RedisHubs {
  private readonly procs = new Processes();
  private readonly sockets: CapsClientSocket[] = [];
  /** The Redis, as a promise, so that hubs started together share one. */
  private server: Promise<RedisServer> | undefined;

  /** `redis`: how the Redis is started (a password, TLS); a plain one unless given. */
  constructor(private readonly redisOptions: RedisServerOptions = {}) {}

  /** The Redis, started on first use. */
  redis(): Promise<RedisServer> {
    this.server ??= RedisServer.start(this.redisOptions);
    return this.server;
  }

  /** Starts a hub (`npm run hub -- <args>`) on a free port, on the Redis store, with `env` on top: the process and its URL. */
  async hub(name: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<{ proc: Proc; url: string; env: NodeJS.ProcessEnv }> {
    const port = await freePort();
    const all = { PORT: String(port), CAPS_STORE: (await this.redis()).url, ...env };
    return { proc: this.procs.start(name, 'hub', args, all), url: `http://localhost:${port}`, env: all };
  }

  /** Starts a hub again with the environment `hub` gave an earlier one (same port, same store). */
  again(name: string, env: NodeJS.ProcessEnv): Proc {
    return this.procs.start(name, 'hub', [], env);
  }

  /** One of our clients' sockets to the hub at `url`, signed with the test secret. */
  connect(url: string, handshake: HandshakeFields): CapsClientSocket {
    const socket = connectCaps(url, handshake, testCredential);
    this.sockets.push(socket);
    return socket;
  }

  async cleanup(): Promise<void> {
    for (const socket of this.sockets.splice(0)) socket.disconnect();
    await this.procs.cleanup();
    const server = this.server;
    this.server = undefined;
    await (await server?.catch(() => undefined))?.cleanup();
  }
}

/** A vendor's pickup of order `id` for acme-widgets. */
export const pickup = (id: string): Envelope => ({
  event: 'pickup',
  messageId: id,
  queueId: 'driver',
  order: { store: 'acme-widgets', orderId: id, customer: 'Ada Lovelace', address: '1 Analytical Way' },
});
