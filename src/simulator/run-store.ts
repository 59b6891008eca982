/**
 * The hub's store for one run, made ready before the hub starts and disposed of after it stops:
 *
 * - `memory`: nothing to do;
 * - `lmdb:<dir>`: the directory must be new or empty (the hub would load an earlier run's
 *   queues); it is left where it is afterwards;
 * - `redis`: a private redis-server for the run (src/cli/private-redis.ts), its output in the run
 *   directory's `redis.log`, removed afterwards. Chaos may SIGKILL and restart it;
 * - `redis[s]://[[user][:password]@]host:port[/db]`: that Redis, under a prefix of the run's own
 *   (redis-prefix.ts), checked empty first and emptied afterwards, so that nothing else in it is
 *   touched.
 *
 * @example
 *   const store = await RunStore.prepare('redis', runDir);
 *   try { startHub({ ...store.hubEnv }); … } finally { await store.dispose(); }
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateRedis } from '../cli/private-redis';
import { describeRedis, redactStoreName, type RedisSpec } from '../queue/store-spec';
import { SimulationOptionsError, simulationStore } from './options';
import { countKeys, deleteKeys, newRunPrefix } from './redis-prefix';

export class RunStore {
  private disposing: Promise<void> | undefined;

  private constructor(
    /** `CAPS_STORE`, and `CAPS_REDIS_PREFIX` on Redis, for the hub. */
    readonly hubEnv: Record<string, string>,
    /** The run's own redis-server (`--store redis`), which chaos may kill. */
    readonly redis: PrivateRedis | undefined,
    /** The given Redis (`--store redis://…`), whose keys under `hubEnv.CAPS_REDIS_PREFIX` are the run's. */
    private readonly given: RedisSpec | undefined,
  ) {}

  /** Makes `store` ready in `runDir`. Rejects with {@link SimulationOptionsError} if it cannot be used. */
  static async prepare(store: string, runDir: string): Promise<RunStore> {
    const parsed = simulationStore(store);
    if (!parsed) throw new SimulationOptionsError(`unknown store "${redactStoreName(store)}"`);
    if (parsed.kind === 'memory') return new RunStore({ CAPS_STORE: 'memory' }, undefined, undefined);
    if (parsed.kind === 'lmdb') {
      if (existsSync(parsed.dir) && readdirSync(parsed.dir).length > 0) {
        throw new SimulationOptionsError(`${parsed.dir} is not empty: the hub would load an earlier run's queues; give --store lmdb: a new or empty directory`);
      }
      return new RunStore({ CAPS_STORE: store }, undefined, undefined);
    }
    const prefix = newRunPrefix();
    if (parsed.spec === undefined) {
      const redis = await PrivateRedis.start({ logFile: join(runDir, 'redis.log') });
      return new RunStore({ CAPS_STORE: redis.url, CAPS_REDIS_PREFIX: prefix }, redis, undefined);
    }
    const { spec } = parsed;
    const found = await countKeys(spec, prefix).catch((err: Error) => {
      throw new SimulationOptionsError(`cannot use --store ${describeRedis(spec)}: ${err.message}`);
    });
    if (found > 0) throw new SimulationOptionsError(`${describeRedis(spec)} already holds ${found} keys under the run's new prefix ${prefix}; run again`);
    return new RunStore({ CAPS_STORE: store, CAPS_REDIS_PREFIX: prefix }, undefined, spec);
  }

  /** The run's Redis key prefix, on Redis. */
  get prefix(): string | undefined {
    return this.hubEnv.CAPS_REDIS_PREFIX;
  }

  /**
   * Removes what the run left: the private redis-server and its directory, or the run's keys in
   * the given Redis. Call it once the hub is down. Safe to call twice.
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      await this.redis?.close();
      if (this.given) await deleteKeys(this.given, this.prefix!);
    })();
    return this.disposing;
  }
}
