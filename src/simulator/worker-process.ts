/**
 * The simulator's handle on one worker process (worker.ts): starts it, relays its progress, and
 * lets chaos kill it, restart it with the same spec, or make it drop its connections.
 *
 * The worker's progress counts come from its clients' journals, so they survive a restart: the
 * handle simply keeps the latest report of each client.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { childEnv } from '../config';
import { Child, type ChildExit } from './child';
import type { ClientProgress, FromWorker, ToWorker } from './messages';
import type { WorkerSpec } from './roster';

export interface WorkerProcessEvents {
  /** New counts for some of its clients. */
  progress: [clients: ClientProgress[]];
  /** The worker reported something no fault explains, or exited when nobody killed it. */
  failed: [message: string];
}

/** `starting` until the worker says it is ready; `down` between a kill and the restart. */
export type WorkerState = 'starting' | 'up' | 'down' | 'stopped';

export class WorkerProcess extends EventEmitter<WorkerProcessEvents> {
  state: WorkerState = 'down';
  private child: Child | undefined;
  private readyWaiters: (() => void)[] = [];

  constructor(
    readonly spec: WorkerSpec,
    private readonly logDir: string,
  ) {
    super();
  }

  get id(): string {
    return this.spec.id;
  }

  /** Starts the worker; resolves once its clients exist (they connect on their own). */
  start(): Promise<void> {
    this.state = 'starting';
    const child = new Child({
      entry: 'src/simulator/worker.ts',
      args: [JSON.stringify(this.spec)],
      env: childEnv({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }),
      logFile: join(this.logDir, `${this.spec.id}.log`),
    });
    this.child = child;
    child.on('message', (message) => this.onMessage(message as FromWorker));
    child.on('exit', (exit) => this.onExit(child, exit));
    return new Promise((ready) => this.readyWaiters.push(ready));
  }

  /** SIGKILLs the worker and starts it again with the same clients and journals. */
  async restart(): Promise<void> {
    this.state = 'down';
    await this.child?.kill();
    await this.start();
  }

  /** Makes every client of the worker lose its connection (`flap`: twice, see messages.ts); they reconnect by themselves. */
  drop(flap = false): void {
    this.send({ type: 'drop', flap });
  }

  /** Stops the clients cleanly (journals closed), SIGKILLing the worker after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.state = 'stopped';
    await this.child?.end(() => this.send({ type: 'stop' }), graceMs);
    this.release();
  }

  /** SIGKILLs the worker for good (clean-up after a failure). */
  async kill(): Promise<void> {
    this.state = 'stopped';
    await this.child?.kill();
    this.release();
  }

  private send(message: ToWorker): void {
    this.child?.send(message);
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'ready') {
      if (this.state === 'starting') this.state = 'up';
      this.release();
    } else if (message.type === 'progress') this.emit('progress', message.clients);
    else if (message.type === 'failed') this.emit('failed', `${this.id}: ${message.message}`);
  }

  private onExit(child: Child, exit: ChildExit): void {
    // Exits we caused (a kill, a restart, a stop) are expected; only the current child's others count.
    if (child !== this.child || this.state === 'down' || this.state === 'stopped') return;
    this.state = 'down';
    this.emit('failed', `${this.id} exited unexpectedly (code ${exit.code}, signal ${exit.signal}):\n${child.logTail()}`);
    this.release();
  }

  private release(): void {
    for (const ready of this.readyWaiters.splice(0)) ready();
  }
}
