/**
 * Several hubs under test on one Redis (`npm run simulate -- --hubs N`): N `src/hub/main.ts`
 * processes run with `--standby`, each on a port of its own, so one serves and the others stand
 * by (docs/scaling.md, "Hot standby"). The clients are given every hub's address.
 *
 * Chaos's `kill-hub` SIGKILLs the hub that serves and starts it again, as a standby; `start` then
 * resolves once some hub serves: a standby takes over when the killed hub's writer lease runs out.
 *
 * With `shared`, the hubs run with `--shared` instead (docs/scaling.md, "Several active hubs"):
 * every one serves, `kill-hub` SIGKILLs each in turn, `start` resolves once the killed one serves
 * again, and `scrape` reads every running hub.
 *
 * @example
 *   const hubs = new HubCluster({ ports: [4001, 4002], storeEnv, storeWaitMs, logDir });
 *   await hubs.start();   // every hub; resolves once one serves
 *   await hubs.kill();    // SIGKILL the serving one
 *   await hubs.start();   // it again, as a standby; resolves once a hub serves
 *   await hubs.stop();
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { HubProcess, HubProcessError, type HubProcessEvents, type MetricSample, type SimulatedHub } from './hub-process';

/** How long a takeover may take, besides the killed hub's writer lease running out. */
const TAKEOVER_MS = 30_000;

export interface HubClusterOptions {
  /** One port per hub, `hub-1` first. */
  ports: number[];
  /** `CAPS_STORE` (a Redis) and `CAPS_REDIS_PREFIX`. */
  storeEnv: Record<string, string>;
  /** How long a killed hub's writer lease may hold a takeover back. */
  storeWaitMs: number;
  /** Each hub logs to `hub-<i>.log` in it. */
  logDir: string;
  /** Run them as shared hubs, every one serving. */
  shared?: boolean;
}

export class HubCluster extends EventEmitter<HubProcessEvents> implements SimulatedHub {
  readonly urls: string[];
  /**
   * Which hub served after each `start` (`hub-1`, …): the first, then the one that took over after
   * each kill; none for shared hubs, which all serve.
   */
  readonly servedBy: string[] | undefined;
  /** Shared hubs: how many kills so far, which picks the next hub to kill. */
  private kills = 0;
  private readonly hubs: HubProcess[];
  /** The hub `kill` SIGKILLed, which `start` brings back. */
  private killed: HubProcess | undefined;
  private started = false;

  constructor(private readonly options: HubClusterOptions) {
    super();
    this.servedBy = options.shared ? undefined : [];
    this.hubs = options.ports.map(
      (port, i) =>
        new HubProcess({ port, storeEnv: options.storeEnv, logFile: join(options.logDir, `hub-${i + 1}.log`), standbyId: `hub-${i + 1}`, shared: options.shared === true }),
    );
    for (const hub of this.hubs) hub.on('crashed', (exit, log) => this.emit('crashed', exit, log));
    this.urls = this.hubs.map((hub) => hub.url);
  }

  get running(): boolean {
    return this.hubs.some((hub) => hub.running);
  }

  /** Starts every hub (or brings back the one `kill` killed, as a standby); resolves once one serves. */
  async start(): Promise<void> {
    const toStart = this.started ? [this.killed].filter((hub) => hub !== undefined) : this.hubs;
    this.started = true;
    this.killed = undefined;
    if (this.options.shared) {
      await Promise.all(toStart.map((hub) => hub.start(true)));
      return;
    }
    await Promise.all(toStart.map((hub) => hub.start(false)));
    const serving = await this.servingHub(TAKEOVER_MS + this.options.storeWaitMs);
    this.servedBy?.push(`hub-${this.hubs.indexOf(serving) + 1}`);
  }

  /** SIGKILLs the hub that serves, as a crash would. */
  async kill(): Promise<void> {
    this.killed = this.options.shared ? this.hubs[this.kills++ % this.hubs.length]! : await this.servingHub(TAKEOVER_MS);
    await this.killed.kill();
  }

  async stop(): Promise<void> {
    await Promise.all(this.hubs.map((hub) => hub.stop()));
  }

  async scrape(): Promise<MetricSample[]> {
    if (this.options.shared) return (await Promise.all(this.hubs.filter((hub) => hub.running).map((hub) => hub.scrape()))).flat();
    return (await this.servingHub(TAKEOVER_MS)).scrape();
  }

  /** The hub that answers /healthz, once one does. Rejects if none does within `withinMs`, or every hub exited. */
  private async servingHub(withinMs: number): Promise<HubProcess> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      for (const hub of this.hubs) if (hub.running && (await hub.serving())) return hub;
      if (!this.running) throw new HubProcessError('every hub has exited');
      if (Date.now() > deadline) throw new HubProcessError(`no hub of ${this.urls.join(', ')} served within ${withinMs} ms`);
      await pause(50);
    }
  }
}
