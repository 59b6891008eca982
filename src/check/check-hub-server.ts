/**
 * The CAPS hub a client check runs the student's client against: our own hub on a free port with
 * the memory store, plus a recording of everything the student's client sends and which of its
 * connections sent it. The checker's probes are told apart by `PROBE_QUERY`.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { DEFAULT_HUB_CONFIG } from '../config';
import { startHub, type Hub } from '../hub/hub';
import { canonicalEventName } from '../protocol/spellings';
import { firstMatch } from './first-match';
import { PROBE_QUERY } from './probe';

/** One event a student's client sent, under its canonical name (`JOIN` and `Join` read `join`). */
export interface StudentEvent {
  /** Which connection of the student's client sent it: 1 for the first, 2 after a restart… */
  connection: number;
  event: string;
  payload: unknown;
}

/**
 * Lets the check emit what a phase-2 hub relays (flat orders), which lies outside our hub's typed
 * event map: the check plays the phase-2 hub's part itself.
 */
export interface RawEmitter {
  emit(event: string, payload: unknown): unknown;
}

export interface CheckHubEvents {
  event: [event: StudentEvent];
  connect: [connection: number];
  disconnect: [connection: number];
}

export class CheckHubServer extends EventEmitter<CheckHubEvents> {
  /** Everything the student's client sent, in order. */
  readonly events: StudentEvent[] = [];
  /** The student's connections, by number; present while connected. */
  readonly sockets = new Map<number, RawEmitter>();
  private connections = 0;

  private constructor(readonly hub: Hub) {
    super();
    hub.nsp.on('connection', (socket) => {
      if (socket.handshake.query.capsCheck === PROBE_QUERY.capsCheck) return;
      const connection = ++this.connections;
      this.sockets.set(connection, socket as unknown as RawEmitter);
      socket.onAny((name: string, payload: unknown) => {
        const event: StudentEvent = { connection, event: canonicalEventName(name) ?? name, payload };
        this.events.push(event);
        this.emit('event', event);
      });
      socket.on('disconnect', () => {
        this.sockets.delete(connection);
        this.emit('disconnect', connection);
      });
      this.emit('connect', connection);
    });
  }

  /** Starts our hub on a free port, memory store, logging nothing (the report card says it all). */
  static async start(): Promise<CheckHubServer> {
    const hub = await startHub({ ...DEFAULT_HUB_CONFIG, port: 0, store: 'memory', log: { format: 'json', level: 'silent' } }, pino({ level: 'silent' }));
    return new CheckHubServer(hub);
  }

  /**
   * The first event, sent or still to come, named `event` (canonical) from connection `from` or a
   * later one, whose payload `matches`.
   */
  next(event: string, matches: (payload: unknown) => boolean, options: { from?: number; timeoutMs: number; what: string }): Promise<StudentEvent> {
    const from = options.from ?? 1;
    return firstMatch(this.events, this, 'event', (e: StudentEvent) => e.event === event && e.connection >= from && matches(e.payload), options.timeoutMs, options.what);
  }

  /** The student's latest connection, once it has one. */
  async socket(timeoutMs: number): Promise<RawEmitter> {
    if (this.sockets.size === 0) await firstMatch([], this, 'connect', () => true, timeoutMs, 'the client never connected to the hub');
    return [...this.sockets.values()].at(-1)!;
  }

  /** Resolves once none of the student's connections is open any more. */
  async gone(timeoutMs: number): Promise<void> {
    if (this.sockets.size === 0) return;
    await firstMatch([], this, 'disconnect', () => this.sockets.size === 0, timeoutMs, 'the hub to see the client disconnect');
  }

  /** How many connections the student's client has opened so far. */
  get connectionCount(): number {
    return this.connections;
  }

  /** The hub's address as the student's client gets it in `HUB_URL` (without `/caps`). */
  get url(): string {
    return this.hub.url;
  }

  close(): Promise<void> {
    return this.hub.close();
  }
}
