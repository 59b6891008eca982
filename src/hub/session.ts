/**
 * One connected `/caps` client, from the hub's side: who it is, which queues it consumes, and the
 * handlers for everything it may send.
 *
 * Who the client is comes from its identity, verified at connect (auth/identity.ts): an
 * authenticated client is its token's role, store or driver name, and client id, whatever its
 * handshake or payloads say; the handshake (protocol/handshake.ts) only says that it speaks our
 * extension of the protocol, and its prefetch. Anonymous (classroom) clients have the lab's powers:
 * the session infers their role from what they do (`pickup` makes a vendor; `getAll` for `driver`,
 * `in-transit` or `delivered` makes a driver; `join` only enters a store's room, since lab drivers
 * join one too), and keeps it in `socket.data` so that Socket.IO's connection state recovery
 * restores it after a short reconnect (recovery-adapter.ts), with the rooms.
 * A classroom client that stays silent for `labDriverGuessMs` is taken for a driver (see config.ts
 * for why). A classroom client is sent each message in the shape its producer sent it
 * (classroom-delivery.ts).
 *
 * A driver reports and acknowledges only the packages it holds (permissions.ts): a lab driver's
 * `received` of a pickup takes the package, as our drivers' `claim` does, for its socket.
 *
 * Every handler validates its payload first, answers through the ack when there is one, and never
 * throws: a failure is logged and answered, and the queues are left as they were. An accepted event
 * gets the lab's `EVENT:` line; a refused one gets one `refused <event>: <why>` warning instead, and
 * a classroom client that passed no ack callback is told why with an `error` event.
 */
import type { EventEmitter } from 'node:events';
import type { Identity } from '../auth/identity';
import type { Journal } from '../client/journal';
import type { SessionView } from '../dashboard/port';
import { failure, type Failure, type PlainAck, type StoredAck } from '../protocol/acks';
import { DRIVER_QUEUE, type DeliveryEvent, type EntryKey, type Envelope } from '../protocol/envelope';
import type { AckOf } from '../protocol/events';
import type { Handshake } from '../protocol/handshake';
import type { CapsNamespace, CapsSocket } from '../protocol/sockets';
import { canonicalEventName, type ClientEventName } from '../protocol/spellings';
import { parseClaim, parseEnvelopeInput } from '../protocol/fast-parse';
import { getAllSchema, joinSchema, parse, receivedSchema, toEnvelope } from '../protocol/schemas';
import type { Logger } from '../logger';
import type { Broker, PublishOutcome } from './broker';
import type { Consumer } from './consumer';
import { DELIVERY_ROUTES, type DeliveryActions, type DeliveryRoute } from './delivery-routes';
import { SocketConsumer } from './socket-consumer';
import type { HubEventLog } from './event-log';
import { authorise } from './permissions';
import { emitToClassroom } from './classroom-delivery';
import { RECOVERY_OFFSET } from './recovery-adapter';

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
  /** The lab's `EVENT:` line, written for each event the hub accepts. */
  eventLog: HubEventLog;
  /** Counts every event a client sends, accepted or not (metrics.ts). */
  countEvent: (event: string) => void;
  /** The most a driver may hold; what a vendor may hold is `vendorPrefetch`. */
  prefetch: number;
  vendorPrefetch: number;
  labDriverGuessMs: number;
  /** The most stores one connection may `join` (MAX_ROOMS_PER_SOCKET). */
  maxRoomsPerSocket: number;
  /**
   * Pickups completed by a `delivered`, under `delivered`, with the driver that completed them, so
   * that a driver's retried `delivered` is answered `duplicate` rather than `not_found`.
   */
  completed: Journal;
  /** Relays an `in-transit` to a store's room: on this hub, or, for shared hubs, on every hub. */
  relay: (room: string, envelope: Envelope) => void;
}

/** An identity with a token behind it. */
type Verified = Extract<Identity, { kind: 'authenticated' }>;

/** Any answer the hub gives a client event. */
type Answer = AckOf<ClientEventName>;
/** The ack callback a client passed, if any. */
type Reply = (result: Answer) => void;

export class Session implements DeliveryActions {
  /** What this client consumes: one queue for our clients, rarely more for a classroom client. */
  private consumers: readonly Consumer[] = [];
  private guess: NodeJS.Timeout | undefined;
  private paused = false;
  private readonly connectedAt = Date.now();
  /** Our protocol's handshake: whether the client speaks our extension, and its prefetch; never who it is. */
  private readonly handshake: Handshake | undefined;
  private logger: Logger | undefined;

  constructor(
    private readonly socket: CapsSocket,
    private readonly ctx: SessionContext,
    /** Who the client is, as the hub decided at connect (auth/identity.ts). */
    private readonly identity: Identity,
  ) {
    this.handshake = socket.data.handshake;
  }

  /** Who the client is, when a token says so; `undefined` for an anonymous (classroom) client. */
  private get verified(): Verified | undefined {
    return this.identity.kind === 'authenticated' ? this.identity : undefined;
  }

  /** This client's logger, made when first needed: most sessions never log past their first line. */
  private get log(): Logger {
    return (this.logger ??= this.ctx.logger.child({ socket: this.socket.id, client: this.verified?.clientId }));
  }

  /** The id its consumers and claims go by: its token's client id, or a classroom client's socket id. */
  private get consumerId(): string {
    return this.verified?.clientId ?? this.socket.id;
  }

  /**
   * Starts serving the client. Called once, on `connection`, once the hub routes the socket's
   * events to {@link receive} and its `disconnect` to {@link stop} (hub.ts).
   */
  start(): void {
    const { socket } = this;
    const hs = this.handshake;
    const me = this.verified;
    if (me?.role === 'vendor') this.becomeVendor(me.store);
    else if (me?.role === 'driver') this.becomeDriver();
    else if (socket.data.store !== undefined) this.becomeVendor(socket.data.store); // a recovered classroom vendor
    else if (socket.data.driver) this.becomeDriver(); // a recovered classroom driver
    else this.guess = setTimeout(() => this.becomeDriver(), this.ctx.labDriverGuessMs).unref();
    this.ctx.logger.info({ socket: socket.id, client: me?.clientId, role: me?.role ?? 'classroom', recovered: socket.recovered }, 'client connected');
    // Only classroom clients need Socket.IO's recovery (ours say who they are on every connect).
    // This event, which is no lab event, hands the client the offset it must send back to recover.
    if (!hs) socket.emit('session', { recovered: socket.recovered }, RECOVERY_OFFSET);
    this.ctx.activity.emit('session', this, 'connected');
  }

  /** Logs a warning about this client. */
  warn(details: object, message: string): void {
    this.log.warn(details, message);
  }

  /** Who this client is and what it consumes, for the dashboard. */
  info(): SessionInfo {
    const me = this.verified;
    const role = me?.role === 'vendor' || me?.role === 'driver' ? me.role : this.consumerOf(DRIVER_QUEUE) ? 'driver' : this.consumers.length > 0 ? 'vendor' : 'unknown';
    return {
      socketId: this.socket.id,
      clientId: this.consumerId,
      role,
      classroom: this.handshake === undefined,
      store: me?.role === 'vendor' ? me.store : this.socket.data.store,
      queues: this.consumers.map((c) => c.queueId),
      paused: this.paused,
      suspect: this.consumers.some((c) => this.ctx.broker.isSuspect(c)),
      connectedAt: this.connectedAt,
    };
  }

  /** Whether `consumer` is one of this client's. */
  consumes(consumer: Consumer): boolean {
    return this.consumers.includes(consumer);
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
   * throw nor leave an ack unanswered. One listener per socket (`onAny`, hub.ts) rather than one per
   * event, and one handler table for all sessions: a hub holds thousands of idle sockets.
   */
  async receive(name: unknown, args: unknown[]): Promise<void> {
    const last = args.at(-1);
    const reply: Reply | undefined = typeof last === 'function' ? (result) => void last(result) : undefined;
    const payload = reply ? args.slice(0, -1) : args;
    const event = typeof name === 'string' ? canonicalEventName(name) : undefined;
    this.ctx.countEvent(event ?? String(name));
    const logged = payload.length === 1 ? payload[0] : payload;
    let result: Answer;
    // Everything, the event's log line included, is inside the boundary: nothing a client sends
    // may become an unhandled rejection.
    try {
      if (!event) return this.refuse(reply, String(name), logged, failure('invalid_payload', `unknown event "${String(name).slice(0, 64)}"`));
      result = await Session.handlers[event](this, payload[0]);
      if (result.ok) this.ctx.eventLog(event, logged);
    } catch (err) {
      this.log.error({ err, event }, 'handler failed');
      result = failure('internal', `the hub failed to handle "${event ?? 'an unknown event'}"; it has logged why`);
    }
    if (!result.ok) return this.refuse(reply, event ?? String(name), logged, result);
    reply?.(result);
  }

  /**
   * What each event does, typed from the event map: each handler returns exactly the answer its
   * event declares (`AckOf`), so a handler that answers wrongly fails `tsc`. At run time anything
   * can arrive, hence `unknown` payloads.
   */
  private static readonly handlers: { [E in ClientEventName]: (session: Session, payload: unknown) => AckOf<E> | Promise<AckOf<E>> } = {
    join: (session, payload) => session.join(payload),
    pickup: (session, payload) => session.deliveryEvent(DELIVERY_ROUTES.pickup, payload),
    'in-transit': (session, payload) => session.deliveryEvent(DELIVERY_ROUTES['in-transit'], payload),
    delivered: (session, payload) => session.deliveryEvent(DELIVERY_ROUTES.delivered, payload),
    getAll: (session, payload) => session.getAll(payload),
    received: (session, payload) => session.received(payload),
    claim: (session, payload) => session.claim(payload),
  };

  /**
   * Answers a refused event: through its ack, or, for a classroom client that passed none, with an
   * `error` event carrying the same `{ event, code, message, issues? }`, which a student's
   * `socket.on('error')` prints. Either way the hub logs one line saying what it refused and why.
   */
  private refuse(reply: Reply | undefined, name: string, payload: unknown, result: Failure): void {
    const { code, message, issues } = result.error;
    const event = name.slice(0, 64); // an unknown event's name is the client's, of any length
    this.ctx.eventLog.refused(event, payload, { code, message: issues ? `${message} (${issues.join('; ')})` : message });
    if (reply) reply(result);
    else if (!this.handshake) emitToClassroom(this.socket, 'error', { event, ...result.error });
  }

  private join(payload: unknown): AckOf<'join'> {
    const store = parse(joinSchema, payload);
    if (!store.ok) return failure('invalid_payload', 'join expects a store name', store.issues);
    const refused = authorise(this.identity, { type: 'join', store: store.value });
    if (refused) return refused;
    // Only a room: lab drivers join a store's room too, so the role waits for what the client does next.
    if (!this.mayEnter(store.value)) return this.tooManyRooms();
    this.enter(store.value);
    return { ok: true };
  }

  /** `pickup`, `in-transit` or `delivered`: parse, authorise, act, as its row of DELIVERY_ROUTES says. */
  private async deliveryEvent<E extends DeliveryEvent>(route: DeliveryRoute<E>, payload: unknown): Promise<AckOf<E> | Failure> {
    const input = parseEnvelopeInput(payload);
    if (!input.ok) return failure('invalid_payload', route.usage, input.issues);
    const { order } = input.value;
    const refused = authorise(this.identity, { type: 'deliver', sender: route.role, refusal: route.forbidden, store: order.store });
    if (refused) return refused;
    // A classroom client shows its role by what it sends. Past MAX_ROOMS_PER_SOCKET or MAX_QUEUES it
    // posts without consuming one more store's queue.
    if (!this.verified) this.consumeQueue(route.role === 'vendor' ? order.store : DRIVER_QUEUE);
    const envelope = toEnvelope(input.value, route.event, route.queueOf(order));
    if (route.role === 'vendor') return route.act(this, envelope);
    const key = { queueId: DRIVER_QUEUE, messageId: envelope.messageId };
    const pickup = await this.pickupHolder(key);
    if ('ok' in pickup) return pickup;
    // A report this driver repeats after its `delivered` completed the pickup (a retry whose answer
    // was lost) goes ahead: the store knows the notice's id, and answers `duplicate`.
    if (pickup.found || !this.ctx.completed.has('delivered', this.completionKey(envelope.messageId))) {
      const notHolder = authorise(this.identity, { type: 'carry', event: route.event, messageId: envelope.messageId, pickup, me: this.consumerId });
      if (notHolder) return notHolder;
    }
    const answer = await route.act(this, this.carried(envelope));
    if (route.event === 'delivered' && answer.ok) this.ctx.completed.add('delivered', this.completionKey(envelope.messageId));
    return answer;
  }

  /**
   * Who holds a pickup, as the broker says once it has looked, on shared hubs, for this driver's
   * claimed pickups in the store; `unavailable` if the store failed.
   */
  private async pickupHolder(key: EntryKey): Promise<ReturnType<Broker['holderOf']> | Failure> {
    try {
      return await this.ctx.broker.find(key, this.consumerId);
    } catch (err) {
      this.log.error({ err, key }, 'the queue store failed');
      return failure('unavailable', 'the hub could not look up the pickup; send it again later');
    }
  }

  /** What `completed` remembers a pickup this driver completed by. */
  private completionKey(messageId: string): string {
    return JSON.stringify([this.consumerId, messageId]);
  }


  /** DeliveryActions, for DELIVERY_ROUTES: the `in-transit` relay; also emitted as activity. */
  relay(envelope: Envelope): PlainAck {
    this.ctx.relay(envelope.queueId, envelope);
    this.ctx.activity.emit('event', envelope);
    return { ok: true };
  }

  private async getAll(payload: unknown): Promise<AckOf<'getAll'>> {
    const queueId = parse(getAllSchema, payload);
    if (!queueId.ok) return failure('invalid_payload', 'getAll expects { queueId }: "driver" or a store name', queueId.issues);
    const refused = authorise(this.identity, { type: 'consume', queueId: queueId.value });
    if (refused) return refused;
    const limit = this.consumeQueue(queueId.value);
    if (limit) return limit;
    const consumer = this.consumerOf(queueId.value)!;
    const count = await this.ctx.broker.catchUp(consumer);
    return count === undefined ? failure('limit_reached', 'the hub holds as many queues as it may (MAX_QUEUES)') : { ok: true, count };
  }

  /**
   * Makes this client a consumer of `queueId`: a driver, or that store's vendor. Past
   * MAX_ROOMS_PER_SOCKET or MAX_QUEUES, for a queue it does not consume yet, nothing changes and
   * the answer says why (`roomFor`).
   */
  private consumeQueue(queueId: string): Failure | undefined {
    const limit = this.roomFor(queueId);
    if (limit) return limit;
    if (queueId === DRIVER_QUEUE) this.becomeDriver();
    else this.becomeVendor(queueId);
    return undefined;
  }

  /**
   * Refuses to open one more queue for this client past MAX_ROOMS_PER_SOCKET (its stores) or the
   * hub's MAX_QUEUES; `undefined` when there is room, or it consumes `queueId` already.
   */
  private roomFor(queueId: string): Failure | undefined {
    if (this.consumerOf(queueId)) return undefined;
    if (queueId !== DRIVER_QUEUE && !this.mayEnter(queueId)) return this.tooManyRooms();
    if (!this.ctx.broker.canAttach(queueId)) return failure('limit_reached', 'the hub holds as many queues as it may (MAX_QUEUES)');
    return undefined;
  }

  private tooManyRooms(): Failure {
    return failure('limit_reached', `this connection has joined ${this.ctx.maxRoomsPerSocket} stores, the most it may (MAX_ROOMS_PER_SOCKET)`);
  }

  /**
   * Whether this connection may be in `store`'s room: it is already, or it is in fewer stores' rooms
   * than MAX_ROOMS_PER_SOCKET. Socket.IO keeps its rooms (a recovered classroom client's come back
   * with it): the stores it entered, and the room of its own id.
   */
  private mayEnter(store: string): boolean {
    const rooms = this.socket.rooms;
    return rooms.has(store) || rooms.size - 1 < this.ctx.maxRoomsPerSocket;
  }

  /** Puts the socket in a store's room, where the store's `in-transit` relays go. */
  private enter(store: string): void {
    void this.socket.join(store);
  }

  private async received(payload: unknown): Promise<AckOf<'received'>> {
    const key = parse(receivedSchema, payload);
    if (!key.ok) return failure('invalid_payload', 'received expects { queueId, messageId }', key.issues);
    const refused = authorise(this.identity, { type: 'consume', queueId: key.value.queueId });
    if (refused) return refused;
    if (!this.verified) this.consumeQueue(key.value.queueId);
    const holding = key.value.queueId === DRIVER_QUEUE ? await this.pickupHolder(key.value) : this.ctx.broker.holderOf(key.value);
    if ('ok' in holding) return holding;
    const notHolder = authorise(this.identity, { type: 'acknowledge', ...key.value, holding, me: this.consumerId });
    if (notHolder) return notHolder;
    if (key.value.queueId === DRIVER_QUEUE) return holding.found ? this.take(key.value.messageId) : { ok: true };
    try {
      await this.ctx.broker.ack(key.value);
    } catch (err) {
      this.log.error({ err, key: key.value }, 'the queue store failed');
      return failure('unavailable', 'the hub could not record the acknowledgement; send it again later');
    }
    return { ok: true };
  }

  /**
   * A driver's `received` of a pickup it holds (lab drivers send it as the pickup arrives): it takes
   * the package, as a claim does, so that only it may report it delivered; the pickup stays queued
   * until then. One that is gone was taken and finished already (lab clients may say `received`
   * twice), which is no error: `received` answers it without coming here.
   */
  private async take(messageId: string): Promise<AckOf<'received'>> {
    const claimed = await this.claimFor(messageId);
    return claimed === 'claimed' ? { ok: true } : claimed === 'lost' ? failure('not_found', `pickup ${messageId} is no longer yours`) : claimed;
  }

  private async claim(payload: unknown): Promise<AckOf<'claim'>> {
    const messageId = parseClaim(payload);
    if (!messageId.ok) return failure('invalid_payload', 'claim expects { messageId }', messageId.issues);
    const refused = authorise(this.identity, { type: 'claim' });
    if (refused) return refused;
    const outcome = await this.claimFor(messageId.value);
    return outcome === 'claimed' ? { ok: true } : outcome === 'lost' ? failure('not_found', `pickup ${messageId.value} is not yours to claim`) : outcome;
  }

  /** Claims a pickup for this driver (drivers consume the driver queue from their first moment). */
  private async claimFor(messageId: string): Promise<'claimed' | 'lost' | Failure> {
    const consumer = this.consumerOf(DRIVER_QUEUE)!;
    const key = { queueId: DRIVER_QUEUE, messageId };
    try {
      return await this.ctx.broker.claim(key, consumer);
    } catch (err) {
      this.log.error({ err, key }, 'the queue store failed');
      return failure('unavailable', 'the hub could not store the claim; it will send the pickup again');
    }
  }

  private consumerOf(queueId: string): Consumer | undefined {
    return this.consumers.find((c) => c.queueId === queueId);
  }

  /** Marks who carries the package: the driver its token names, or what a classroom driver said. */
  private carried(envelope: Envelope): Envelope {
    const driver = this.verified?.role === 'driver' ? this.verified.name : envelope.driver;
    return driver === undefined ? envelope : { ...envelope, driver };
  }

  /** DeliveryActions, for DELIVERY_ROUTES: stores a pickup or a delivery notice, and says how it went. */
  async publish(envelope: Envelope, completes?: EntryKey): Promise<StoredAck> {
    let outcome: PublishOutcome;
    try {
      outcome = await this.ctx.broker.publish(envelope, envelope.queueId, completes);
    } catch (err) {
      this.log.error({ err, messageId: envelope.messageId }, 'the queue store failed');
      return failure('unavailable', 'the hub could not store the message; retry later');
    }
    if (outcome.status === 'full') {
      const what = outcome.limit === 'queue' ? `queue "${envelope.queueId}" is full (MAX_QUEUE_LENGTH)` : 'the hub holds as many messages as it may (MAX_TOTAL_MESSAGES)';
      return failure('queue_full', `${what}; retry later`);
    }
    if (outcome.status === 'too_many_queues') return failure('limit_reached', `the hub holds as many queues as it may (MAX_QUEUES); queue "${envelope.queueId}" was not opened`);
    if (outcome.status === 'stored') this.ctx.activity.emit('event', envelope);
    return { ok: true, messageId: envelope.messageId, duplicate: outcome.status === 'duplicate' };
  }

  private becomeVendor(store: string): void {
    clearTimeout(this.guess);
    const driver = this.consumerOf(DRIVER_QUEUE);
    if (driver && !this.verified) {
      // A classroom client we had taken for a driver turned out to be a vendor.
      this.consumers = this.consumers.filter((c) => c !== driver);
      this.socket.data.driver = false;
      this.ctx.broker.detach(driver);
      this.ctx.activity.emit('session', this, 'changed');
    }
    this.socket.data.store = store;
    this.enter(store);
    this.consume(store);
  }

  private becomeDriver(): void {
    clearTimeout(this.guess);
    // Kept for Socket.IO's connection state recovery, which only classroom clients need.
    if (!this.verified) this.socket.data.driver = true;
    this.consume(DRIVER_QUEUE);
  }

  private consume(queueId: string): void {
    if (this.consumerOf(queueId)) return;
    const hs = this.handshake;
    const cap = queueId === DRIVER_QUEUE ? this.ctx.prefetch : this.ctx.vendorPrefetch;
    const prefetch = Math.min(hs?.prefetch ?? cap, cap);
    const consumer = new SocketConsumer(this.consumerId, queueId, prefetch, this, this.socket, hs === undefined);
    // Past MAX_QUEUES (a classroom vendor's pickup for a new store): it simply consumes nothing there.
    if (!this.ctx.broker.attach(consumer)) return;
    // A new array of the exact size rather than a push, which would reserve room for 16 more.
    this.consumers = this.consumers.concat(consumer);
    if (this.paused) this.ctx.broker.setPaused(consumer, true);
    this.ctx.activity.emit('session', this, 'changed');
  }

  /** The client is gone: what it consumed goes back to the broker. Called once, on `disconnect`. */
  stop(reason: string): void {
    clearTimeout(this.guess);
    for (const consumer of this.consumers) this.ctx.broker.detach(consumer);
    this.consumers = [];
    this.ctx.logger.info({ socket: this.socket.id, client: this.verified?.clientId, reason }, 'client disconnected');
    this.ctx.activity.emit('session', this, 'disconnected');
  }
}
