/**
 * One connected `/caps` client, from the hub's side: who it is, which queues it consumes, and the
 * handlers for everything it may send.
 *
 * Our clients say who they are in the handshake (protocol/handshake.ts). Classroom clients do not:
 * the session infers their role from what they do (`join` or `pickup` makes a vendor; `getAll`
 * for `driver`, `in-transit` or `delivered` makes a driver), and keeps it in `socket.data` so that
 * Socket.IO's connection state recovery restores it after a short reconnect. A classroom client
 * that stays silent for `labDriverGuessMs` is taken for a driver (see config.ts for why).
 *
 * Every handler validates its payload first, answers through the ack when there is one, and never
 * throws: a failure is logged and answered, and the queues are left as they were.
 */
import type { EventEmitter } from 'node:events';
import type { Namespace, Socket } from 'socket.io';
import type { SessionView } from '../dashboard/port';
import { failure, type Failure } from '../protocol/acks';
import { DRIVER_QUEUE, type EntryKey, type Envelope } from '../protocol/envelope';
import type { CapsSocketData, ClientToHubEvents, HubToClientEvents, HubToHubEvents } from '../protocol/events';
import type { Handshake } from '../protocol/handshake';
import { canonicalEventName, type ClientEventName } from '../protocol/spellings';
import { parseClaim, parseEnvelopeInput } from '../protocol/fast-parse';
import { getAllSchema, joinSchema, parse, receivedSchema, toEnvelope } from '../protocol/schemas';
import type { Logger } from '../logger';
import type { Broker, PublishOutcome } from './broker';
import type { Consumer } from './consumer';
import { SocketConsumer } from './socket-consumer';
import type { EventLog } from './event-log';

export type CapsSocket = Socket<ClientToHubEvents, HubToClientEvents, HubToHubEvents, CapsSocketData>;
export type CapsNamespace = Namespace<ClientToHubEvents, HubToClientEvents, HubToHubEvents, CapsSocketData>;

/** What a session reports as it works: the delivery events it accepted, normalised. */
export interface HubActivity {
  /** A `pickup` or `delivered` the hub stored (not a duplicate), or an `in-transit` it relayed. */
  event: [envelope: Envelope];
  session: [session: Session, change: 'connected' | 'changed' | 'disconnected'];
}

/** A session as the dashboard's port shows it (src/dashboard/port.ts), and when it connected. */
export interface SessionInfo extends SessionView {
  connectedAt: number;
}

/** What every session shares. */
export interface SessionContext {
  activity: EventEmitter<HubActivity>;
  broker: Broker;
  nsp: CapsNamespace;
  logger: Logger;
  eventLog: EventLog;
  /** The most a driver may hold; what a vendor may hold is `vendorPrefetch`. */
  prefetch: number;
  vendorPrefetch: number;
  labDriverGuessMs: number;
}

type Ack = (result: object) => void;

export class Session {
  /** What this client consumes: one queue for our clients, rarely more for a classroom client. */
  private consumers: readonly Consumer[] = [];
  private guess: NodeJS.Timeout | undefined;
  private paused = false;
  private readonly connectedAt = Date.now();
  private readonly handshake: Handshake | undefined;
  private logger: Logger | undefined;

  constructor(
    private readonly socket: CapsSocket,
    private readonly ctx: SessionContext,
  ) {
    this.handshake = socket.data.handshake;
  }

  /** This client's logger, made when first needed: most sessions never log past their first line. */
  private get log(): Logger {
    return (this.logger ??= this.ctx.logger.child({ socket: this.socket.id, client: this.handshake?.clientId }));
  }

  /** Wires the socket up. Called once, on `connection`. */
  start(): void {
    const { socket } = this;
    socket.onAny((name: unknown, ...args: unknown[]) => void this.receive(name, args));
    socket.on('disconnect', (reason) => this.stop(reason));

    const hs = this.handshake;
    if (hs?.role === 'vendor') this.becomeVendor(hs.store);
    else if (hs?.role === 'driver') this.becomeDriver();
    else if (socket.data.store !== undefined) this.becomeVendor(socket.data.store); // a recovered classroom vendor
    else if (socket.data.driver) this.becomeDriver(); // a recovered classroom driver
    else this.guess = setTimeout(() => this.becomeDriver(), this.ctx.labDriverGuessMs).unref();
    this.ctx.logger.info({ socket: socket.id, client: hs?.clientId, role: hs?.role ?? 'classroom', recovered: socket.recovered }, 'client connected');
    // Only classroom clients need Socket.IO's recovery (ours say who they are on every connect),
    // and the packet that makes it possible is kept for the whole recovery window.
    if (!hs) this.ctx.nsp.to(socket.id).emit('session', { recovered: socket.recovered });
    this.ctx.activity.emit('session', this, 'connected');
  }

  /** Logs a warning about this client. */
  warn(details: object, message: string): void {
    this.log.warn(details, message);
  }

  /** Who this client is and what it consumes, for the dashboard. */
  info(): SessionInfo {
    const hs = this.handshake;
    const role = hs?.role ?? (this.consumerOf(DRIVER_QUEUE) ? 'driver' : this.consumers.length > 0 ? 'vendor' : 'unknown');
    return {
      socketId: this.socket.id,
      clientId: hs?.clientId ?? this.socket.id,
      role,
      classroom: hs === undefined,
      store: hs?.role === 'vendor' ? hs.store : this.socket.data.store,
      queues: this.consumers.map((c) => c.queueId),
      paused: this.paused,
      connectedAt: this.connectedAt,
    };
  }

  /** Sends this client nothing new until `setPaused(false)`; what it holds stays with it. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    for (const consumer of this.consumers) this.ctx.broker.setPaused(consumer, paused);
    this.ctx.activity.emit('session', this, 'changed');
  }

  /** Closes this client's connection from the hub's side. */
  disconnect(): void {
    this.socket.disconnect(true);
  }

  /**
   * Every incoming event: fold its name's spelling, log it, and run its handler, which can neither
   * throw nor leave an ack unanswered. One listener per socket (`onAny`) rather than one per event,
   * and one handler table for all sessions: a hub holds thousands of idle sockets.
   */
  private async receive(name: unknown, args: unknown[]): Promise<void> {
    const last = args.at(-1);
    const reply = typeof last === 'function' ? (last as Ack) : undefined;
    const payload = reply ? args.slice(0, -1) : args;
    const event = typeof name === 'string' ? canonicalEventName(name) : undefined;
    this.ctx.eventLog(event ?? String(name), payload.length === 1 ? payload[0] : payload);
    if (!event) return this.refuse(reply, String(name), failure('invalid_payload', `unknown event "${String(name)}"`));
    let result: object;
    try {
      result = await Session.handlers[event](this, payload[0]);
    } catch (err) {
      this.log.error({ err, event }, 'handler failed');
      result = failure('internal', `the hub failed to handle "${event}"; it has logged why`);
    }
    if ('ok' in result && result.ok === false) this.refuse(reply, event, result as Failure);
    else reply?.(result);
  }

  /** What each event does. At run time anything can arrive, hence `unknown` payloads. */
  private static readonly handlers: Record<ClientEventName, (session: Session, payload: unknown) => Promise<object> | object> = {
    join: (session, payload) => session.join(payload),
    pickup: (session, payload) => session.pickup(payload),
    'in-transit': (session, payload) => session.inTransit(payload),
    delivered: (session, payload) => session.delivered(payload),
    getAll: (session, payload) => session.getAll(payload),
    received: (session, payload) => session.received(payload),
    claim: (session, payload) => session.claim(payload),
  };

  private refuse(reply: Ack | undefined, event: string, result: Failure): void {
    if (reply) reply(result);
    else this.log.warn({ event, error: result.error }, `refused ${event}: ${result.error.message}`);
  }

  private join(payload: unknown): object {
    const store = parse(joinSchema, payload);
    if (!store.ok) return failure('invalid_payload', 'join expects a store name', store.issues);
    if (this.handshake && this.handshake.role !== 'vendor') return failure('forbidden', 'only vendors join a store');
    this.becomeVendor(store.value);
    return { ok: true };
  }

  private async pickup(payload: unknown): Promise<object> {
    const input = parseEnvelopeInput(payload);
    if (!input.ok) return failure('invalid_payload', 'pickup expects { messageId, order: { store, orderId, customer, address } }', input.issues);
    const store = input.value.order.store;
    const refused = this.mayPostFor(store);
    if (refused) return refused;
    if (!this.handshake) this.becomeVendor(store);
    const envelope = toEnvelope(input.value, 'pickup', DRIVER_QUEUE);
    return this.publish(envelope);
  }

  private inTransit(payload: unknown): object {
    const input = parseEnvelopeInput(payload);
    if (!input.ok) return failure('invalid_payload', 'in-transit expects { messageId, order: { store, … } }', input.issues);
    if (this.handshake && this.handshake.role !== 'driver') return failure('forbidden', 'only drivers report packages in transit');
    if (!this.handshake) this.becomeDriver();
    const envelope = this.carried(toEnvelope(input.value, 'in-transit', input.value.order.store));
    this.ctx.nsp.to(envelope.queueId).emit('in-transit', envelope);
    this.ctx.activity.emit('event', envelope);
    return { ok: true };
  }

  private async delivered(payload: unknown): Promise<object> {
    const input = parseEnvelopeInput(payload);
    if (!input.ok) return failure('invalid_payload', 'delivered expects { messageId, order: { store, … } }', input.issues);
    if (this.handshake && this.handshake.role !== 'driver') return failure('forbidden', 'only drivers report deliveries');
    if (!this.handshake) this.becomeDriver();
    const envelope = this.carried(toEnvelope(input.value, 'delivered', input.value.order.store));
    return this.publish(envelope, { queueId: DRIVER_QUEUE, messageId: envelope.messageId });
  }

  private getAll(payload: unknown): object {
    const queueId = parse(getAllSchema, payload);
    if (!queueId.ok) return failure('invalid_payload', 'getAll expects { queueId }: "driver" or a store name', queueId.issues);
    const own = this.ownQueue();
    if (own !== undefined && own !== queueId.value) return failure('forbidden', `this client consumes "${own}", not "${queueId.value}"`);
    if (queueId.value === DRIVER_QUEUE) this.becomeDriver();
    else this.becomeVendor(queueId.value);
    const consumer = this.consumerOf(queueId.value)!;
    return { ok: true, count: this.ctx.broker.sendWaiting(consumer) };
  }

  private async received(payload: unknown): Promise<object> {
    const key = parse(receivedSchema, payload);
    if (!key.ok) return failure('invalid_payload', 'received expects { queueId, messageId }', key.issues);
    const own = this.ownQueue();
    if (own !== undefined && own !== key.value.queueId) return failure('forbidden', `this client consumes "${own}", not "${key.value.queueId}"`);
    if (!this.handshake) {
      if (key.value.queueId === DRIVER_QUEUE) this.becomeDriver();
      else this.becomeVendor(key.value.queueId);
    }
    await this.ctx.broker.ack(key.value);
    return { ok: true };
  }

  private async claim(payload: unknown): Promise<object> {
    const messageId = parseClaim(payload);
    if (!messageId.ok) return failure('invalid_payload', 'claim expects { messageId }', messageId.issues);
    const consumer = this.consumerOf(DRIVER_QUEUE);
    if (this.handshake?.role !== 'driver' || !consumer) return failure('forbidden', 'only our drivers claim pickups');
    const key = { queueId: DRIVER_QUEUE, messageId: messageId.value };
    let outcome: 'claimed' | 'lost';
    try {
      outcome = await this.ctx.broker.claim(key, consumer);
    } catch (err) {
      this.log.error({ err, key }, 'the queue store failed');
      return failure('unavailable', 'the hub could not store the claim; it will send the pickup again');
    }
    return outcome === 'claimed' ? { ok: true } : failure('not_found', `pickup ${messageId.value} is not yours to claim`);
  }

  private consumerOf(queueId: string): Consumer | undefined {
    return this.consumers.find((c) => c.queueId === queueId);
  }

  /** The queue our client consumes, by its handshake; `undefined` for a classroom client. */
  private ownQueue(): string | undefined {
    const hs = this.handshake;
    return hs === undefined ? undefined : hs.role === 'driver' ? DRIVER_QUEUE : hs.store;
  }

  private mayPostFor(store: string): Failure | undefined {
    const hs = this.handshake;
    if (hs === undefined) return undefined;
    if (hs.role !== 'vendor') return failure('forbidden', 'only vendors post pickups');
    if (hs.store !== store) return failure('forbidden', `this vendor posts for "${hs.store}", not "${store}"`);
    return undefined;
  }

  /** Marks who carries the package: our driver's id, or what a classroom driver said. */
  private carried(envelope: Envelope): Envelope {
    const driver = this.handshake?.clientId ?? envelope.driver;
    return driver === undefined ? envelope : { ...envelope, driver };
  }

  /** Stores a pickup or a delivery notice, and says how it went. */
  private async publish(envelope: Envelope, completes?: EntryKey): Promise<object> {
    let outcome: PublishOutcome;
    try {
      outcome = await this.ctx.broker.publish(envelope, envelope.queueId, completes);
    } catch (err) {
      this.log.error({ err, messageId: envelope.messageId }, 'the queue store failed');
      return failure('unavailable', 'the hub could not store the message; retry later');
    }
    if (outcome.status === 'full') return failure('queue_full', `queue "${envelope.queueId}" is full; retry later`);
    if (outcome.status === 'stored') this.ctx.activity.emit('event', envelope);
    return { ok: true, messageId: envelope.messageId, duplicate: outcome.status === 'duplicate' };
  }

  private becomeVendor(store: string): void {
    clearTimeout(this.guess);
    const driver = this.consumerOf(DRIVER_QUEUE);
    if (driver && !this.handshake) {
      // A classroom client we had taken for a driver turned out to be a vendor.
      this.consumers = this.consumers.filter((c) => c !== driver);
      this.socket.data.driver = false;
      this.ctx.broker.detach(driver);
      this.ctx.activity.emit('session', this, 'changed');
    }
    this.socket.data.store = store;
    void this.socket.join(store);
    this.consume(store);
  }

  private becomeDriver(): void {
    clearTimeout(this.guess);
    // Kept for Socket.IO's connection state recovery, which only classroom clients need.
    if (!this.handshake) this.socket.data.driver = true;
    this.consume(DRIVER_QUEUE);
  }

  private consume(queueId: string): void {
    if (this.consumerOf(queueId)) return;
    const hs = this.handshake;
    const cap = queueId === DRIVER_QUEUE ? this.ctx.prefetch : this.ctx.vendorPrefetch;
    const prefetch = Math.min(hs?.prefetch ?? cap, cap);
    const consumer = new SocketConsumer(hs?.clientId ?? this.socket.id, queueId, prefetch, this, this.socket, hs?.role === 'vendor');
    // A new array of the exact size rather than a push, which would reserve room for 16 more.
    this.consumers = this.consumers.concat(consumer);
    this.ctx.broker.attach(consumer);
    if (this.paused) this.ctx.broker.setPaused(consumer, true);
    this.ctx.activity.emit('session', this, 'changed');
  }

  private stop(reason: string): void {
    clearTimeout(this.guess);
    for (const consumer of this.consumers) this.ctx.broker.detach(consumer);
    this.consumers = [];
    this.ctx.logger.info({ socket: this.socket.id, client: this.handshake?.clientId, reason }, 'client disconnected');
    this.ctx.activity.emit('session', this, 'disconnected');
  }
}
