/**
 * The benchmark's result: raw figures per system, the ratios that compare CAPS with the plain
 * relay and the peer brokers of the same run, and the targets those are held to (issues 13 and 12). This
 * is the `--json` output.
 */
import type { BacklogFigure } from './backlog';
import type { ConnectionMemoryFigure } from './connection-memory';
import type { LatencyFigure } from './latency';
import type { Machine } from './machine';
import type { BenchPlan } from './plan';
import type { SystemName } from './systems';
import type { ThroughputFigure } from './throughput';

/** Latency at one offered load, in milliseconds. */
export interface LatencyFigures {
  pickupP50Ms: number;
  pickupP99Ms: number;
  pickupMaxMs: number;
  roundTripP50Ms: number;
  roundTripP99Ms: number;
  scheduleLagP99Ms: number;
  pickups: number;
}

/** Every figure of one system. Optional ones exist for some systems only (see each). */
export interface SystemFigures {
  /** Acknowledged messages per second (docs/benchmarks.md defines it). */
  ackThroughput?: number;
  /** The server's CPU share (1 = one core) during the acked throughput run. */
  ackThroughputServerCpu?: number;
  /** The load generators' CPU share during it. */
  ackThroughputGeneratorCpu?: number;
  /**
   * Server CPU time per acknowledged message, µs: the server's cost per message, which other
   * load on the machine disturbs far less than it disturbs the rates.
   */
  ackServerCpuPerMessageUs?: number;
  /**
   * `redis` and `redis3` only: the redis-server process's CPU share during the acked throughput
   * run, beside the hubs' (`ackThroughputServerCpu`), read from `/proc`.
   */
  ackStoreServerCpu?: number;
  /** `redis` and `redis3` only: redis-server CPU time per acknowledged message, µs. */
  ackStoreServerCpuPerMessageUs?: number;
  /**
   * `redis` and `redis3` only, a projection: the acknowledged messages per second at which the
   * redis-server would keep one core busy (1 s ÷ its CPU per message), the ceiling of any number
   * of hubs on separate machines sharing that one Redis.
   */
  projectedRedisCeiling?: number;
  /**
   * The same projection: hub cores it takes to bring Redis to that ceiling (hub CPU per message ÷
   * Redis CPU per message), that is, roughly how many one-core hubs a Redis can serve.
   */
  projectedHubCoresPerRedisCore?: number;
  /** Plain only: messages per second relayed without any ack. */
  noAckThroughput?: number;
  /** By offered load (messages per second). */
  latency?: Record<string, LatencyFigures>;
  /** CAPS only: messages per second drained from a backlog to a client that connects. */
  backlogDrain?: number;
  /** CAPS only: the server's CPU share while draining. */
  backlogDrainServerCpu?: number;
  /** CAPS only: server memory per queued message, bytes. */
  queuedMessageHeapBytes?: number;
  queuedMessageRssBytes?: number;
  /** By number of idle clients: server heap per connection and the server's whole RSS, bytes. */
  connections?: Record<string, { heapBytes: number; serverRssBytes: number }>;
  /** RSS growth per idle connection, from the fewest clients to the most, bytes. */
  connectionRssBytes?: number;
}

export interface Ratios {
  /** CAPS memory store ÷ plain relay with acks, acknowledged throughput. */
  memoryAckThroughput?: number;
  /** CAPS lmdb store ÷ plain relay with acks. */
  lmdbAckThroughput?: number;
  /** CAPS Redis store (one hub) ÷ plain relay with acks. */
  redisAckThroughput?: number;
  /** Three shared hubs on one Redis (`redis3`) ÷ plain relay with acks, all on the same 2 cores. */
  redis3AckThroughput?: number;
  /** `redis3` ÷ `redis`: what the second and third hub add (or cost) on this one machine. */
  redis3VsRedis?: number;
  /** Mosquitto (MQTT 5, QoS 1) ÷ plain relay with acks. */
  mosquittoAckThroughput?: number;
  /** JetStream (file store, explicit acks) ÷ plain relay with acks. */
  jetstreamAckThroughput?: number;
  /** CAPS memory store ÷ Mosquitto, acknowledged throughput. */
  memoryVsMosquitto?: number;
  /** CAPS lmdb store ÷ JetStream's file store, acknowledged throughput. */
  lmdbVsJetstream?: number;
  /** CAPS memory store's backlog drain rate ÷ the plain relay's no-ack rate. */
  backlogDrain?: number;
  /** The same for the lmdb store. */
  lmdbBacklogDrain?: number;
  /** The same for the Redis store. */
  redisBacklogDrain?: number;
  /** CAPS memory ÷ plain, server CPU per acknowledged message (lower is better). */
  memoryCpuPerMessage?: number;
  /** CAPS lmdb ÷ plain, the same. */
  lmdbCpuPerMessage?: number;
  /** CAPS on Redis ÷ plain, the same: the hub's CPU only (the redis-server's is a figure of its own). */
  redisCpuPerMessage?: number;
  /** `redis3` ÷ plain, the same: the three hubs' CPU together. */
  redis3CpuPerMessage?: number;
  /** Mosquitto ÷ plain and JetStream ÷ plain, the same. */
  mosquittoCpuPerMessage?: number;
  jetstreamCpuPerMessage?: number;
  /** CAPS memory ÷ plain, pickup latency p99 at the highest offered load. */
  memoryP99AtHighLoad?: number;
  /** CAPS lmdb ÷ plain, the same. */
  lmdbP99AtHighLoad?: number;
  /** CAPS on Redis ÷ plain, the same. */
  redisP99AtHighLoad?: number;
  /** `redis3` ÷ plain, the same. */
  redis3P99AtHighLoad?: number;
  /** CAPS memory ÷ plain, heap per idle connection at the largest client count (after a full GC). */
  connectionMemory?: number;
  /** CAPS memory ÷ plain, RSS growth per idle connection. */
  connectionRss?: number;
}

export interface TargetCheck {
  name: string;
  value: number;
  op: '>=' | '<=';
  target: number;
  met: boolean;
}

/**
 * What else was going on: this benchmark shares the machine with anything else that runs on it,
 * and a busy machine lowers every figure. Not figures themselves (they may well be 0).
 */
export interface Environment {
  /** The 1-minute load average when the run started, from `os.loadavg()`. */
  loadAverageAtStart: number;
  /** CPU cores used by other processes during each system's best acked throughput round. */
  otherProcessesCpu: Partial<Record<SystemName, number>>;
  /** The same during each latency run, by system and offered load. */
  otherProcessesCpuDuringLatency: Partial<Record<SystemName, Record<string, number>>>;
}

export interface BenchResult {
  machine: Machine;
  environment: Environment;
  plan: BenchPlan;
  hubEnv: Record<string, string>;
  /** Systems asked for whose binary is not on this machine (a peer's, or redis-server). */
  notMeasured: SystemName[];
  figures: Partial<Record<SystemName, SystemFigures>>;
  ratios: Ratios;
  targets: TargetCheck[];
}

/** Gathers one system's scenario outcomes into its figures. */
export function systemFigures(parts: {
  acked?: ThroughputFigure;
  noAck?: ThroughputFigure;
  latency?: LatencyFigure[];
  backlog?: BacklogFigure;
  connections?: ConnectionMemoryFigure;
}): SystemFigures {
  const figures: SystemFigures = {};
  if (parts.acked) {
    figures.ackThroughput = parts.acked.messagesPerSecond;
    figures.ackThroughputServerCpu = parts.acked.serverCpu;
    figures.ackThroughputGeneratorCpu = parts.acked.generatorCpu;
    figures.ackServerCpuPerMessageUs = (parts.acked.serverCpu / parts.acked.messagesPerSecond) * 1e6;
    const store = parts.acked.storeServerCpu;
    if (store !== undefined) {
      figures.ackStoreServerCpu = store;
      figures.ackStoreServerCpuPerMessageUs = (store / parts.acked.messagesPerSecond) * 1e6;
      // A redis-server that read as idle (a clock too coarse for a short round) projects nothing.
      if (store > 0) {
        figures.projectedRedisCeiling = 1e6 / figures.ackStoreServerCpuPerMessageUs;
        figures.projectedHubCoresPerRedisCore = figures.ackServerCpuPerMessageUs / figures.ackStoreServerCpuPerMessageUs;
      }
    }
  }
  if (parts.noAck) figures.noAckThroughput = parts.noAck.messagesPerSecond;
  if (parts.latency) {
    figures.latency = Object.fromEntries(
      parts.latency.map((f) => [
        String(f.load),
        {
          pickupP50Ms: f.pickup.p50Ms,
          pickupP99Ms: f.pickup.p99Ms,
          pickupMaxMs: f.pickup.maxMs,
          roundTripP50Ms: f.roundTrip.p50Ms,
          roundTripP99Ms: f.roundTrip.p99Ms,
          scheduleLagP99Ms: f.scheduleLagP99Ms,
          pickups: f.pickup.count,
        },
      ]),
    );
  }
  if (parts.backlog) {
    figures.backlogDrain = parts.backlog.drainPerSecond;
    figures.backlogDrainServerCpu = parts.backlog.drainServerCpu;
    figures.queuedMessageHeapBytes = parts.backlog.heapPerMessage;
    figures.queuedMessageRssBytes = parts.backlog.rssPerMessage;
  }
  if (parts.connections) {
    figures.connections = Object.fromEntries(
      parts.connections.levels.map((f) => [String(f.clients), { heapBytes: f.heapPerConnection, serverRssBytes: f.serverRss }]),
    );
    figures.connectionRssBytes = parts.connections.rssPerConnection;
  }
  return figures;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);

/** The connection figures at the largest client count measured. */
function largest(figures: SystemFigures | undefined): { heapBytes: number } | undefined {
  const entries = Object.entries(figures?.connections ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  return entries.at(-1)?.[1];
}

/** The offered load whose p99 is held to twice plain's: the highest measured. */
const highLoad = (plan: BenchPlan) => String(Math.max(...plan.latency.loads));

const p99At = (figures: SystemFigures | undefined, load: number | string) => figures?.latency?.[String(load)]?.pickupP99Ms;

export function computeRatios(plan: BenchPlan, figures: BenchResult['figures']): Ratios {
  const { plain, memory, lmdb, redis, redis3, mosquitto, jetstream } = figures;
  const high = highLoad(plan);
  const entries: [keyof Ratios, number | undefined][] = [
    ['memoryAckThroughput', ratio(memory?.ackThroughput, plain?.ackThroughput)],
    ['lmdbAckThroughput', ratio(lmdb?.ackThroughput, plain?.ackThroughput)],
    ['redisAckThroughput', ratio(redis?.ackThroughput, plain?.ackThroughput)],
    ['redis3AckThroughput', ratio(redis3?.ackThroughput, plain?.ackThroughput)],
    ['redis3VsRedis', ratio(redis3?.ackThroughput, redis?.ackThroughput)],
    ['mosquittoAckThroughput', ratio(mosquitto?.ackThroughput, plain?.ackThroughput)],
    ['jetstreamAckThroughput', ratio(jetstream?.ackThroughput, plain?.ackThroughput)],
    ['memoryVsMosquitto', ratio(memory?.ackThroughput, mosquitto?.ackThroughput)],
    ['lmdbVsJetstream', ratio(lmdb?.ackThroughput, jetstream?.ackThroughput)],
    ['memoryCpuPerMessage', ratio(memory?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['lmdbCpuPerMessage', ratio(lmdb?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['redisCpuPerMessage', ratio(redis?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['redis3CpuPerMessage', ratio(redis3?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['mosquittoCpuPerMessage', ratio(mosquitto?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['jetstreamCpuPerMessage', ratio(jetstream?.ackServerCpuPerMessageUs, plain?.ackServerCpuPerMessageUs)],
    ['memoryP99AtHighLoad', ratio(p99At(memory, high), p99At(plain, high))],
    ['lmdbP99AtHighLoad', ratio(p99At(lmdb, high), p99At(plain, high))],
    ['redisP99AtHighLoad', ratio(p99At(redis, high), p99At(plain, high))],
    ['redis3P99AtHighLoad', ratio(p99At(redis3, high), p99At(plain, high))],
    ['backlogDrain', ratio(memory?.backlogDrain, plain?.noAckThroughput)],
    ['lmdbBacklogDrain', ratio(lmdb?.backlogDrain, plain?.noAckThroughput)],
    ['redisBacklogDrain', ratio(redis?.backlogDrain, plain?.noAckThroughput)],
    ['connectionMemory', ratio(largest(memory)?.heapBytes, largest(plain)?.heapBytes)],
    ['connectionRss', ratio(memory?.connectionRssBytes, plain?.connectionRssBytes)],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/** The load whose p99 is held to plain's + 1 ms: 2,000 msgs/s, or the lowest load measured. */
export function targetLoad(plan: BenchPlan): number {
  return plan.latency.loads.includes(2_000) ? 2_000 : Math.min(...plan.latency.loads);
}

/**
 * Checks the targets against what was measured (a target with no figure is left out): issue 13's,
 * and issue 12's for one hub on Redis.
 */
export function checkTargets(plan: BenchPlan, figures: BenchResult['figures'], ratios: Ratios): TargetCheck[] {
  const load = targetLoad(plan);
  const plainP99 = p99At(figures.plain, load);
  const p99Bound = plainP99 === undefined ? undefined : plainP99 + 1;
  const wanted: [string, number | undefined, TargetCheck['op'], number | undefined][] = [
    ['memoryAckThroughput', ratios.memoryAckThroughput, '>=', 1.2],
    ['memoryVsMosquitto', ratios.memoryVsMosquitto, '>=', 1],
    ['lmdbAckThroughput', ratios.lmdbAckThroughput, '>=', 0.8],
    ['lmdbVsJetstream', ratios.lmdbVsJetstream, '>=', 1.5],
    ['redisAckThroughput', ratios.redisAckThroughput, '>=', 0.5],
    [`memory p99 at ${load} msgs/s (ms)`, p99At(figures.memory, load), '<=', p99Bound],
    [`lmdb p99 at ${load} msgs/s (ms)`, p99At(figures.lmdb, load), '<=', p99Bound],
    ['memoryP99AtHighLoad', ratios.memoryP99AtHighLoad, '<=', 2],
    ['lmdbP99AtHighLoad', ratios.lmdbP99AtHighLoad, '<=', 2],
    ['connectionRss', ratios.connectionRss, '<=', 1.1],
    ['connectionMemory', ratios.connectionMemory, '<=', 1.1],
    ['backlogDrain', ratios.backlogDrain, '>=', 1.2],
  ];
  return wanted.flatMap(([name, value, op, target]) =>
    value === undefined || target === undefined ? [] : [{ name, value, op, target, met: op === '>=' ? value >= target : value <= target }],
  );
}
