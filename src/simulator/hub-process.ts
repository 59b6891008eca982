/**
 * The hub under test: a real `src/hub/main.ts` child process on a fixed port, so that a hub that
 * chaos killed comes back at the same URL and the clients reconnect to it by themselves.
 *
 * @example
 *   const hub = new HubProcess({ port, storeEnv: { CAPS_STORE: 'lmdb:/tmp/caps' }, logFile });
 *   await hub.start();
 *   const before = await hub.scrape();   // /metrics, parsed
 *   await hub.kill();                    // SIGKILL
 *   await hub.start();                   // same port, same store
 *   await hub.stop();                    // SIGTERM: a clean shutdown
 */
import { HUB_NODE_FLAGS } from '../hub/node-flags';
import { EventEmitter } from 'node:events';
import { setTimeout as pause } from 'node:timers/promises';
import { childEnv } from '../config';
import { DEFAULT_LEASE_MS } from '../queue/redis/writer-lease';
import { Child, type ChildExit } from './child';

/** The hub's delivery settings for a simulation; see `start`. */
export const SIMULATION_HUB_ENV = {
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  // Chaos redelivers some messages many times; none of that may dead-letter one.
  MAX_ATTEMPTS: '1000',
  // Longer than a worker restart takes (a second or two), so a killed driver's claims wait for it.
  LEASE_MS: '60000',
  // On Redis, the writer lease a killed hub leaves behind: the one restartWaitMs (options.ts) waits for.
  CAPS_REDIS_LEASE_MS: String(DEFAULT_LEASE_MS),
  // Longer than any run, so a vendor that resends an order after a restart is always de-duplicated.
  DEDUP_WINDOW_MS: '3600000',
} as const;

/** How long a hub may take to answer /healthz after it was started, besides waiting for its store. */
const READY_MS = 30_000;

/** One sample of a Prometheus metric. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Thrown when the hub does not come up, or exits when nobody asked it to. */
export class HubProcessError extends Error {
  override readonly name = 'HubProcessError';
}

export interface HubProcessEvents {
  /** The hub exited without being killed or stopped by us: the run cannot go on. */
  crashed: [exit: ChildExit, logTail: string];
}

/**
 * What the run and its chaos drive: one hub (HubProcess), or one serving and standbys
 * (hub-cluster.ts). `kill` SIGKILLs the hub that serves; `start` after it brings that one back and
 * resolves once a hub serves again.
 */
export interface SimulatedHub extends EventEmitter<HubProcessEvents> {
  /** Every hub's address, for the clients. */
  readonly urls: string[];
  readonly running: boolean;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** The serving hub's /metrics, parsed. */
  scrape(): Promise<MetricSample[]>;
  /** With several hubs: which served first, then after each kill (`hub-1`, …); one hub has no such list. */
  readonly servedBy?: readonly string[];
}

export class HubProcess extends EventEmitter<HubProcessEvents> implements SimulatedHub {
  readonly url: string;
  private child: Child | undefined;
  private expectingExit = false;

  constructor(
    private readonly options: {
      port: number;
      /** `CAPS_STORE`, and `CAPS_REDIS_PREFIX` on Redis. */
      storeEnv: Record<string, string>;
      /** How long a restarted hub may wait for its store before it can start (run-store.ts); 0 by default. */
      storeWaitMs?: number;
      logFile: string;
      /** Run as a standby (`--standby`) under this hub id, one of several on one Redis (hub-cluster.ts). */
      standbyId?: string;
      /** With `standbyId`: run as a shared hub (`--shared`) under that id instead. */
      shared?: boolean;
    },
  ) {
    super();
    this.url = `http://127.0.0.1:${options.port}`;
  }

  get urls(): string[] {
    return [this.url];
  }

  /**
   * Starts the hub and resolves once it answers /healthz, or at once with `untilServing` false (a
   * standby, which listens only once it takes over). Rejects if it exits first or takes too long.
   */
  async start(untilServing = true): Promise<void> {
    this.expectingExit = false;
    const id = this.options.standbyId;
    const standby = id === undefined ? {} : { [this.options.shared ? 'CAPS_SHARED' : 'CAPS_STANDBY']: 'true', CAPS_HUB_ID: id };
    const child = new Child({
      entry: 'src/hub/main.ts',
      nodeFlags: [...HUB_NODE_FLAGS],
      preload: ['src/simulator/orphan-guard.ts'],
      env: childEnv({ PORT: String(this.options.port), HOST: '127.0.0.1', ...this.options.storeEnv, ...SIMULATION_HUB_ENV, ...standby }),
      logFile: this.options.logFile,
    });
    this.child = child;
    child.on('exit', (exit) => {
      if (!this.expectingExit && this.child === child) this.emit('crashed', exit, child.logTail());
    });
    if (!untilServing) return;
    const readyMs = READY_MS + (this.options.storeWaitMs ?? 0);
    const deadline = Date.now() + readyMs;
    while (!(await this.serving())) {
      if (!child.running) throw new HubProcessError(`the hub exited while starting:\n${child.logTail()}`);
      if (Date.now() > deadline) throw new HubProcessError(`the hub did not answer ${this.url}/healthz within ${readyMs} ms:\n${child.logTail()}`);
      await pause(50);
    }
  }

  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** SIGKILLs the hub, as a crash would. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    await this.child?.kill();
  }

  /** Asks the hub to shut down cleanly (SIGTERM), SIGKILLing it if it takes too long. */
  async stop(graceMs = 10_000): Promise<void> {
    this.expectingExit = true;
    await this.child?.end(() => this.child?.signal('SIGTERM'), graceMs);
  }

  /** Reads and parses the hub's /metrics. Rejects if the hub does not answer. */
  async scrape(): Promise<MetricSample[]> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new HubProcessError(`/metrics answered ${response.status}`);
    return parseMetrics(await response.text());
  }

  /** Whether it answers /healthz: it serves (a standby does not listen). */
  async serving(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      return response.ok;
    } catch {
      return false;
    }
  }
}

/**
 * Parses Prometheus' text format, enough for the hub's own metrics: one sample per line,
 * `name{label="value",…} number`; comments and blank lines are skipped.
 */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of `name`, optionally only those whose labels match `where`. */
export function sumOf(samples: MetricSample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
