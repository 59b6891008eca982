/**
 * A probe: one Socket.IO client that the checker drives the way a classroom client behaves (no
 * handshake, the lab's events), and that records everything the hub sends it, in order.
 */
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import { CAPS_NAMESPACE } from '../protocol/events';
import { firstMatch } from './first-match';
import { answerWithin, Shortfall } from './requirement';

/** One event a probe received: its name and its first argument. */
export interface Received {
  event: string;
  payload: unknown;
}

/** Marks the checker's own sockets, so that a hub the checker started can tell them from a student's. */
export const PROBE_QUERY = { capsCheck: '1' } as const;

/** A connection error as a student can act on it. */
function explain(err: Error): string {
  const path = CAPS_NAMESPACE;
  if (err.message === 'Invalid namespace') return `the hub has no ${path} namespace (Socket.IO answered "Invalid namespace"); use io.of('${path}')`;
  if (err.message === 'websocket error') return 'nothing answers there (is the hub running, on that port?)';
  return err.message;
}

export class Probe {
  /** Every event received so far, in order. */
  readonly received: Received[] = [];
  private readonly socket: Socket;
  private readonly arrivals = new EventEmitter<{ event: [received: Received] }>();

  /**
   * @param url the hub and namespace, e.g. `http://localhost:3001/caps`
   * @param name who this probe plays in the report (`vendor of check-a`), used in reasons
   */
  constructor(private readonly url: string, readonly name: string, private readonly timeoutMs: number) {
    // No reconnection: a check that loses its socket should say so, not retry quietly.
    this.socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, query: PROBE_QUERY });
    this.socket.onAny((event: string, payload: unknown) => {
      const received = { event, payload };
      this.received.push(received);
      this.arrivals.emit('event', received);
    });
  }

  /** Resolves once connected; fails with the hub's reason (e.g. "Invalid namespace") otherwise. */
  connected(): Promise<void> {
    return answerWithin(
      new Promise<void>((resolve, reject) => {
        if (this.socket.connected) return resolve();
        this.socket.once('connect', () => resolve());
        this.socket.once('connect_error', (err: Error) => reject(new Shortfall(`${this.name} could not connect to ${this.url}: ${explain(err)}`)));
      }),
      this.timeoutMs,
      `${this.name} connecting`,
    );
  }

  /** Sends an event (buffered until connected, as a classroom client's first emits are). */
  emit(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  /**
   * Resolves with the index in `received` of the first event, past or future, named `event` whose
   * payload `matches`; fails with "no answer in N s: <what>" if none comes.
   */
  async next(event: string, matches: (payload: unknown) => boolean, what: string): Promise<number> {
    const found = await firstMatch(this.received, this.arrivals, 'event', (r) => r.event === event && matches(r.payload), this.timeoutMs, `${this.name}: ${what}`);
    return this.received.indexOf(found);
  }

  /**
   * Closes the connection, as a client that stops (or restarts) does, once the hub has handled
   * every event this probe sent. A Socket.IO server ignores events that arrive in the same read as
   * the client's disconnect (it dispatches them a tick later, to a socket that is gone by then), so
   * a plain `disconnect()` right after an `emit` may lose it.
   */
  async close(): Promise<void> {
    if (this.socket.connected) await this.handled().catch(() => undefined);
    this.socket.disconnect();
  }

  /**
   * Resolves once the hub has handled everything sent so far: it answers a namespace connection
   * on the same Socket.IO connection only after dispatching the events that came before it.
   */
  private handled(): Promise<void> {
    const root = this.socket.io.socket('/');
    const answered = new Promise<void>((resolve) => {
      root.once('connect', () => resolve());
      root.once('connect_error', () => resolve());
      root.connect();
    });
    return answerWithin(answered, this.timeoutMs, `${this.name} closing`).finally(() => root.disconnect());
  }
}

/** Opens probes and closes every one of them at the end of a scenario. */
export class Probes {
  private readonly open: Probe[] = [];

  constructor(private readonly url: string, private readonly timeoutMs: number) {}

  /** A new probe, connected; it fails the scenario if it cannot connect. */
  async connect(name: string): Promise<Probe> {
    const probe = new Probe(this.url, name, this.timeoutMs);
    this.open.push(probe);
    await probe.connected();
    return probe;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((probe) => probe.close()));
  }
}
