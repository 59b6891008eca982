/**
 * The systems the benchmark compares, and how to start a fresh server of each:
 *
 * - `plain`: bench/plain-relay.ts, plain Socket.IO with no queue;
 * - `memory`: the CAPS hub (`src/hub/main.ts`) on the memory store;
 * - `lmdb`: the CAPS hub on the lmdb store, in a new temporary directory each time;
 * - `redis`: the CAPS hub on the Redis store, on a private redis-server of its own each time
 *   (src/cli/private-redis.ts: a free port, a temporary directory, `appendonly yes`,
 *   `appendfsync everysec`), removed with it; never the machine's shared Redis;
 * - `redis3` (redis×3 in the docs): three shared hubs (`CAPS_SHARED=true`) on one such private
 *   redis-server, with the generators' clients spread over them (hub-group.ts);
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
import { HubGroup } from './hub-group';
import type { NativeServer } from './native-server';
import { isPeer, PEER_BINARIES, peerAvailable, PEERS, startPeer, type PeerName } from './peer-brokers';
import type { ProcessSample } from './probe-agent';
import { readProcessSample } from './proc-sample';
import { ServerProcess } from './server-process';

/** The Node servers: the plain relay and the three CAPS hubs. */
const NODE_SYSTEMS = ['plain', 'memory', 'lmdb', 'redis'] as const;
export type NodeSystemName = (typeof NODE_SYSTEMS)[number];

/** Three shared hubs on one Redis, measured as one system (hub-group.ts). */
export const HUB_GROUP = 'redis3';
/** How many hubs `redis3` runs. */
const GROUP_HUBS = 3;

export const SYSTEMS = [...NODE_SYSTEMS, HUB_GROUP, ...PEERS] as const;
export type SystemName = NodeSystemName | typeof HUB_GROUP | PeerName;

/** The systems that are one Node server, whose heap the memory scenarios read. */
export const isNodeSystem = (system: SystemName): system is NodeSystemName => (NODE_SYSTEMS as readonly string[]).includes(system);

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
    case HUB_GROUP:
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
  if ((system === 'redis' || system === HUB_GROUP) && !redisServerInstalled()) return `${system}: redis-server is not installed, so ${system} is not measured (apt-get install redis-server)`;
  return undefined;
}

/** A process whose CPU time can be read. */
export interface Probed {
  probe(): Promise<ProcessSample>;
}

/** A running server of `system`; `stop` also removes its directory (lmdb, redis, peers). */
export interface RunningSystem {
  system: SystemName;
  server: ServerProcess | NativeServer | HubGroup;
  /** The `redis` and `redis3` systems' redis-server: the hubs' store, a process doing the system's work too. */
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
  if (system === HUB_GROUP) return startHubGroup(options);
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
  return onPrivateRedis(async (url) => ({ system: 'redis', server: await startHub('redis', port, url, options) }));
}

/** `redis3`: three shared hubs on one private redis-server, started one after another. */
async function startHubGroup(options: StartOptions): Promise<RunningSystem> {
  return onPrivateRedis(async (url) => {
    const hubs: ServerProcess[] = [];
    try {
      for (let i = 0; i < GROUP_HUBS; i++) hubs.push(await startHub(HUB_GROUP, await freePort(), url, options, { CAPS_SHARED: 'true', CAPS_HUB_ID: `bench-${i}` }));
    } catch (err) {
      await Promise.all(hubs.map((hub) => hub.stop()));
      throw err;
    }
    return { system: HUB_GROUP, server: new HubGroup(hubs) };
  });
}

/**
 * Starts a private redis-server, then `start`'s system on it; the system's `stop` stops the
 * system, then the redis-server, which is also the system's `storeServer`.
 */
async function onPrivateRedis<S extends { server: { stop(): Promise<void> } }>(start: (url: string) => Promise<S>): Promise<S & { storeServer: Probed; stop(): Promise<void> }> {
  const redis = await PrivateRedis.start();
  try {
    const started = await start(redis.url);
    const storeServer: Probed = {
      probe: async () => {
        if (redis.pid === undefined) throw new Error(`redis-server exited:\n${redis.lastLines()}`);
        return readProcessSample(redis.pid);
      },
    };
    const stop = async () => {
      try {
        await started.server.stop();
      } finally {
        await redis.close();
      }
    };
    return { ...started, storeServer, stop };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

/** A CAPS hub on `store`, as `npm run hub` runs it (with its V8 flags; the plain relay runs with Node's defaults). */
function startHub(system: NodeSystemName | typeof HUB_GROUP, port: number, store: string, options: StartOptions, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'pretty',
    CAPS_STORE: store,
    ...extra,
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
