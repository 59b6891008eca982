/**
 * The systems the benchmark compares, and how to start a fresh server of each:
 *
 * - `plain`: bench/plain-relay.ts, plain Socket.IO with no queue;
 * - `memory`: the CAPS hub (`src/hub/main.ts`) on the memory store;
 * - `lmdb`: the CAPS hub on the lmdb store, in a new temporary directory each time;
 * - `redis`: the CAPS hub on the Redis store, on a private redis-server of its own each time
 *   (src/cli/private-redis.ts: a free port, a temporary directory, `appendonly yes`,
 *   `appendfsync everysec`), removed with it; never the machine's shared Redis;
 * - `mosquitto`, `jetstream`: the peer brokers (peer-brokers.ts), from the machine's binaries.
 *
 * Hubs log at `warn` and keep every other setting at its default (plus `hubEnv`, for trying
 * a setting such as `PREFETCH=100` without editing anything).
 */
import type { Cleanup } from './cleanup';
import type { Flavour } from './jobs';
import { freePort } from '../src/cli/free-port';
import { PrivateRedis, redisServerInstalled } from '../src/cli/private-redis';
import { HUB_NODE_FLAGS } from '../src/hub/node-flags';
import type { NativeServer } from './native-server';
import { isPeer, PEER_BINARIES, peerAvailable, PEERS, startPeer, type PeerName } from './peer-brokers';
import type { ProcessSample } from './probe-agent';
import { readProcessSample } from './proc-sample';
import { ServerProcess } from './server-process';

/** The Node servers: the plain relay and the three CAPS hubs. */
const NODE_SYSTEMS = ['plain', 'memory', 'lmdb', 'redis'] as const;
export type NodeSystemName = (typeof NODE_SYSTEMS)[number];

export const SYSTEMS = [...NODE_SYSTEMS, ...PEERS] as const;
export type SystemName = NodeSystemName | PeerName;

export interface StartOptions {
  cleanup: Cleanup;
  /** Extra hub settings, by variable name. */
  hubEnv: Record<string, string>;
}

/** Which client a system is driven through. */
export function flavourOf(system: SystemName): Flavour {
  switch (system) {
    case 'plain':
      return 'plain';
    case 'memory':
    case 'lmdb':
    case 'redis':
      return 'caps';
    case 'mosquitto':
      return 'mqtt';
    case 'jetstream':
      return 'jetstream';
  }
}

/**
 * Why `system` cannot be measured on this machine (its binary is missing), as a line for the
 * log; `undefined` when it can.
 */
export function unavailable(system: SystemName): string | undefined {
  if (isPeer(system)) {
    if (peerAvailable(system)) return undefined;
    return `${system}: ${PEER_BINARIES[system]} is not installed, so ${system} is not measured (apt-get install ${system === 'mosquitto' ? 'mosquitto' : 'nats-server'})`;
  }
  if (system === 'redis' && !redisServerInstalled()) return 'redis: redis-server is not installed, so redis is not measured (apt-get install redis-server)';
  return undefined;
}

/** A process whose CPU time can be read. */
export interface Probed {
  probe(): Promise<ProcessSample>;
}

/** A running server of `system`; `stop` also removes its directory (lmdb, redis, peers). */
export interface RunningSystem {
  system: SystemName;
  server: ServerProcess | NativeServer;
  /** The `redis` system's redis-server: the hub's store, a second process doing the system's work. */
  storeServer?: Probed;
  stop(): Promise<void>;
}

/** A running Node server, whose heap can be read too. */
export interface RunningNodeSystem extends RunningSystem {
  system: NodeSystemName;
  server: ServerProcess;
}

/** Starts a fresh server of `system` on a free 127.0.0.1 port. */
export function startSystem(system: SystemName, options: StartOptions): Promise<RunningSystem> {
  return isPeer(system) ? startPeerSystem(system, options) : startNodeSystem(system, options);
}

async function startPeerSystem(system: PeerName, options: StartOptions): Promise<RunningSystem> {
  const dir = options.cleanup.tempDir(`caps-bench-${system}-`);
  return withDir(dir, options.cleanup, async () => {
    const server = await startPeer(system, await freePort(), dir, options.cleanup);
    return { system, server, stop: stopping(server, dir, options.cleanup) };
  });
}

/** Starts a fresh Node server (the plain relay or a hub) of `system` on a free 127.0.0.1 port. */
export async function startNodeSystem(system: NodeSystemName, options: StartOptions): Promise<RunningNodeSystem> {
  const port = await freePort();
  if (system === 'plain') {
    const server = await ServerProcess.start({ name: system, script: 'bench/plain-relay.ts', args: ['--port', String(port)], port }, options.cleanup);
    return { system, server, stop: () => server.stop() };
  }
  if (system === 'redis') return startRedisHub(port, options);
  const dir = system === 'lmdb' ? options.cleanup.tempDir('caps-bench-lmdb-') : undefined;
  const start = async () => {
    const server = await startHub(system, port, dir === undefined ? 'memory' : `lmdb:${dir}`, options);
    return { system, server, stop: stopping(server, dir, options.cleanup) };
  };
  return dir === undefined ? start() : withDir(dir, options.cleanup, start);
}

/** The hub on a private redis-server, started first and stopped after it. */
async function startRedisHub(port: number, options: StartOptions): Promise<RunningNodeSystem> {
  const redis = await PrivateRedis.start();
  try {
    const server = await startHub('redis', port, redis.url, options);
    const storeServer: Probed = {
      probe: async () => {
        if (redis.pid === undefined) throw new Error(`redis-server exited:\n${redis.lastLines()}`);
        return readProcessSample(redis.pid);
      },
    };
    const stop = async () => {
      try {
        await server.stop();
      } finally {
        await redis.close();
      }
    };
    return { system: 'redis', server, storeServer, stop };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

/** A CAPS hub on `store`, as `npm run hub` runs it (with its V8 flags; the plain relay runs with Node's defaults). */
function startHub(system: NodeSystemName, port: number, store: string, options: StartOptions): Promise<ServerProcess> {
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'pretty',
    CAPS_STORE: store,
    ...options.hubEnv,
  };
  return ServerProcess.start({ name: system, script: 'src/hub/main.ts', env, port, nodeFlags: HUB_NODE_FLAGS }, options.cleanup);
}

/** Stops `server`, then removes its directory. */
const stopping = (server: { stop(): Promise<void> }, dir: string | undefined, cleanup: Cleanup) => async () => {
  await server.stop();
  if (dir !== undefined) cleanup.removeDir(dir);
};

/** Runs `start`, removing `dir` if it fails. */
async function withDir<T>(dir: string, cleanup: Cleanup, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    cleanup.removeDir(dir);
    throw err;
  }
}
