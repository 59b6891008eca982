/**
 * The IPC protocol between the benchmark (parent) and its load-generator processes. The parent
 * sends one `JobRequest` at a time to each generator and waits for its `JobReply`.
 */

/**
 * Which client a generator talks through: Socket.IO to CAPS (`/caps` with the CAPS handshake) or
 * to the plain relay, MQTT 5 to Mosquitto, or NATS JetStream.
 */
export type Flavour = 'caps' | 'plain' | 'mqtt' | 'jetstream';

export interface Target {
  /** `http://…`, `mqtt://…` or `nats://127.0.0.1:<port>`. */
  url: string;
  flavour: Flavour;
  /**
   * A CAPS system of several hubs (`redis3`): every hub's URL, `url`'s first. Clients are spread
   * over them (bench-client.ts `openMany`), so that orders cross hubs.
   */
  hubs?: string[];
}

/** Opens vendors (one store each) and drivers, and keeps them for the runs that follow. */
export interface OpenPipelineJob {
  type: 'open-pipeline';
  target: Target;
  /** Makes client ids, stores and message ids unique to this generator and run. */
  tag: string;
  vendors: number;
  drivers: number;
}

/** Closed loop: each vendor keeps `windowPerVendor` orders under way until the time is up. */
export interface ThroughputJob {
  type: 'throughput';
  /** End-to-end acks (CAPS always acks; for the plain relay this picks the mode). */
  acks: boolean;
  windowPerVendor: number;
  warmupMs: number;
  durationMs: number;
  /** How long to wait for the last orders to come back before giving up. */
  settleTimeoutMs: number;
}

/** Open loop: orders are posted on a fixed schedule, whatever the replies do. */
export interface LatencyJob {
  type: 'latency';
  /** Messages per second this generator offers (two per order: the pickup and its notice). */
  messagesPerSecond: number;
  warmupMs: number;
  durationMs: number;
  /** End-to-end acks (CAPS always acks; for the plain relay this picks the mode). */
  acks: boolean;
  /** How long to wait for the last orders to come back before giving up. */
  settleTimeoutMs: number;
}

/** Hands over the one-way pickup latencies this generator's drivers saw in the last latency run. */
export interface CollectPickupsJob {
  type: 'collect-pickups';
}

/** Queues `count` delivery notices for `store`, whose vendor is away (CAPS only). */
export interface FillBacklogJob {
  type: 'fill-backlog';
  target: Target;
  tag: string;
  store: string;
  count: number;
  /** Notices sent and not yet acknowledged by the hub, at most. */
  window: number;
}

/** Connects the vendor of `store` and times how long it takes to receive and ack `count` notices. */
export interface DrainBacklogJob {
  type: 'drain-backlog';
  target: Target;
  tag: string;
  store: string;
  count: number;
  timeoutMs: number;
}

/** Opens `count` more idle client sockets (drivers), `concurrency` connecting at once. */
export interface OpenIdleJob {
  type: 'open-idle';
  target: Target;
  tag: string;
  count: number;
  concurrency: number;
}

/** Closes every socket the generator holds. */
export interface CloseJob {
  type: 'close';
}

export type Job = OpenPipelineJob | ThroughputJob | LatencyJob | CollectPickupsJob | FillBacklogJob | DrainBacklogJob | OpenIdleJob | CloseJob;

export interface ThroughputResult {
  /** Messages completed inside the measured window (after the warm-up). */
  messages: number;
  /** The measured window. */
  elapsedMs: number;
  /** The generator's own CPU time over the whole job, in milliseconds. */
  cpuMs: number;
}

export interface LatencyResult {
  /** Encoded histograms (histogram.ts), in microseconds. */
  roundTrip: string;
  scheduleLag: string;
  /** Orders posted, warm-up included. */
  orders: number;
  /** The generator's own CPU time over the whole job, in milliseconds. */
  cpuMs: number;
}

export interface DrainResult {
  received: number;
  elapsedMs: number;
}

/** What each job answers with. */
export interface JobResults {
  'open-pipeline': { sockets: number };
  throughput: ThroughputResult;
  latency: LatencyResult;
  'collect-pickups': { pickup: string };
  'fill-backlog': { stored: number };
  'drain-backlog': DrainResult;
  'open-idle': { sockets: number };
  close: { closed: number };
}

export interface JobRequest {
  id: number;
  job: Job;
}

export type JobReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
