/**
 * The three systems the benchmark compares, and how to start a fresh server of each:
 *
 * - `plain`: bench/plain-relay.ts, plain Socket.IO with no queue;
 * - `memory`: the CAPS hub (`src/hub/main.ts`) on the memory store;
 * - `lmdb`: the CAPS hub on the lmdb store, in a new temporary directory each time.
 *
 * Hubs log at `warn` and keep every other setting at its default (plus `hubEnv`, for trying
 * a setting such as `PREFETCH=100` without editing anything).
 */
import type { Cleanup } from './cleanup';
import type { Flavour } from './jobs';
import { freePort } from '../src/cli/free-port';
import { HUB_NODE_FLAGS } from '../src/hub/node-flags';
import { ServerProcess } from './server-process';

export const SYSTEMS = ['plain', 'memory', 'lmdb'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface StartOptions {
  cleanup: Cleanup;
  /** Extra hub settings, by variable name. */
  hubEnv: Record<string, string>;
}

/** Which client protocol a system speaks. */
export function flavourOf(system: SystemName): Flavour {
  return system === 'plain' ? 'plain' : 'caps';
}

/** A running server of `system`; `stop` also removes the lmdb directory. */
export interface RunningSystem {
  system: SystemName;
  server: ServerProcess;
  stop(): Promise<void>;
}

/** Starts a fresh server of `system` on a free 127.0.0.1 port. */
export async function startSystem(system: SystemName, options: StartOptions): Promise<RunningSystem> {
  const port = await freePort();
  if (system === 'plain') {
    const server = await ServerProcess.start({ name: system, script: 'bench/plain-relay.ts', args: ['--port', String(port)], port }, options.cleanup);
    return { system, server, stop: () => server.stop() };
  }
  const dir = system === 'lmdb' ? options.cleanup.tempDir('caps-bench-lmdb-') : undefined;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'pretty',
    CAPS_STORE: dir === undefined ? 'memory' : `lmdb:${dir}`,
    ...options.hubEnv,
  };
  try {
    // The hub runs as `npm run hub` runs it, with its V8 flags; the plain relay with Node's defaults.
    const server = await ServerProcess.start({ name: system, script: 'src/hub/main.ts', env, port, nodeFlags: HUB_NODE_FLAGS }, options.cleanup);
    return {
      system,
      server,
      stop: async () => {
        await server.stop();
        if (dir !== undefined) options.cleanup.removeDir(dir);
      },
    };
  } catch (err) {
    if (dir !== undefined) options.cleanup.removeDir(dir);
    throw err;
  }
}
