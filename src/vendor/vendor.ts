/**
 * A vendor: posts orders for pickup and thanks the driver once for each delivery.
 *
 * - Posting is at-least-once: each order is sent until the hub has stored it, under one message id
 *   (the order id), so a retry is stored once.
 * - Thanking is once per order, and only for orders it posted: the journal records a thank-you
 *   before it is said, and a delivery notice that comes again is acknowledged without a second
 *   one; a notice for an order the journal has no record of posting (another's, or from before a
 *   restart without a journal file) is acknowledged with a warning, never thanked.
 * - On every (re)connect the hub sends what the vendor missed; nothing needs to ask.
 * - Given several hubs, it moves to the next when one fails (client/hub-link.ts); orders not yet
 *   stored go to the hub it reaches, under the same ids.
 *
 * @example
 *   const vendor = new Vendor({ hubUrls: [hubUrl], store: 'acme-widgets', credential, logger });
 *   vendor.on('thanked', (envelope) => …);
 *   vendor.start();
 *   await vendor.post();
 *   await vendor.stop();
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger';
import type { ConsumerAck } from '../protocol/acks';
import { DRIVER_QUEUE, type Envelope, type Order } from '../protocol/envelope';
import { envelopeInputSchema } from '../protocol/schemas';
import type { CapsClientSocket, Credential } from '../client/connect';
import { logConnection } from '../client/connection-log';
import { HubLink } from '../client/hub-link';
import { MemoryJournal, type Journal } from '../client/journal';
import { RetrySummary } from '../client/retry-summary';
import { sendReliably, type RetryPolicy } from '../client/send-reliably';
import { Stopper } from '../client/stopper';
import { orderFactory, type OrderFactory } from './orders';

export interface VendorOptions {
  /** The hubs, the first first; the others are tried in turn when the one in use fails. */
  hubUrls: readonly string[];
  store: string;
  /** Stable identity across restarts; defaults to `vendor:<store>`. */
  clientId?: string;
  /** Signs the token that proves this vendor is who it says (client/credential.ts). */
  credential: Credential;
  logger: Logger;
  /** Where thank-yous and posted orders are remembered; a `MemoryJournal` by default. */
  journal?: Journal;
  orders?: OrderFactory;
  retry?: RetryPolicy;
}

export interface VendorEvents {
  /** The hub stored an order (`duplicate`: it already had it). */
  posted: [envelope: Envelope, duplicate: boolean];
  /** The vendor thanked for a delivery: once per order. */
  thanked: [envelope: Envelope];
  /** A delivery notice for an order this vendor has no record of posting: acknowledged, not thanked. */
  unknown: [notice: Omit<Envelope, 'event' | 'queueId'>];
  connected: [];
  disconnected: [reason: string];
}

export class Vendor extends EventEmitter<VendorEvents> {
  /** The connection to the hub in use, whichever it is. */
  readonly link: HubLink;
  private readonly journal: Journal;
  private readonly orders: OrderFactory;
  private readonly log: Logger;
  private readonly stopper = new Stopper();
  private readonly unsent = new Set<Promise<unknown>>();
  private readonly retries: RetrySummary;
  private posted: number;

  constructor(private readonly options: VendorOptions) {
    super();
    this.journal = options.journal ?? new MemoryJournal();
    this.orders = options.orders ?? orderFactory();
    this.log = options.logger;
    this.retries = new RetrySummary((line) => this.log.warn(`VENDOR: ${line}`));
    this.link = new HubLink(options.hubUrls, { role: 'vendor', clientId: options.clientId ?? `vendor:${options.store}`, store: options.store }, options.credential);
    logConnection(this.link, {
      who: `VENDOR: ${options.store}`,
      logger: this.log,
      backlog: () => (this.unsent.size ? `${this.unsent.size} ${this.unsent.size === 1 ? 'order' : 'orders'} queued locally` : ''),
    });
    this.link.forEachSocket((socket) => {
      socket.on('connect', () => this.emit('connected'));
      socket.on('disconnect', (reason) => this.emit('disconnected', reason));
      socket.on('delivered', (envelope, ack) => this.onDelivered(envelope, ack));
      socket.on('in-transit', (envelope) => this.log.info(`VENDOR: ${envelope.order.orderId} is on its way`));
    });
    // Orders posted before a restart and never confirmed are sent again.
    const earlier = this.journal.list('posted');
    this.posted = earlier.length;
    for (const { id, data } of earlier) {
      if (!this.journal.has('stored', id)) void this.track(this.send(data as Envelope));
    }
  }

  /** The socket to the hub in use now (another one after a move to another hub). */
  get socket(): CapsClientSocket {
    return this.link.socket;
  }

  /** How many orders this vendor has posted, counting those from before a restart. */
  get postedCount(): number {
    return this.posted;
  }

  /**
   * Posts an order every `intervalMs` until `count` orders have been posted in all (forever
   * without a count; none with a count of 0), then waits until the hub has stored every one.
   * Ends early on `stop`.
   */
  async run(options: { intervalMs: number; count?: number }): Promise<void> {
    while (!this.stopper.stopped && (options.count === undefined || this.posted < options.count)) {
      this.post().catch((err: unknown) => this.stopper.stopped || this.log.error({ err }, 'VENDOR: could not post an order'));
      await this.stopper.sleep(options.intervalMs).catch(() => undefined);
    }
    await Promise.allSettled(this.unsent);
  }

  /**
   * Posts one order (a fake one unless given) and resolves once the hub has stored it. It is
   * logged "posted" only then; an order posted while the hub is out of reach is logged "queued
   * locally" first.
   */
  async post(order: Order = this.orders(this.options.store)): Promise<Envelope> {
    const envelope: Envelope = { event: 'pickup', messageId: order.orderId, queueId: DRIVER_QUEUE, order, postedAt: Date.now() };
    this.journal.add('posted', envelope.messageId, envelope);
    this.posted++;
    if (this.socket.disconnected) this.log.info(`VENDOR: queued locally ${order.orderId} for ${order.customer} (the hub is out of reach)`);
    await this.track(this.send(envelope));
    return envelope;
  }

  /** Disconnects for good and closes the journal. Orders still being sent are abandoned. */
  async stop(): Promise<void> {
    this.stopper.stop(new Error('vendor stopped'));
    await Promise.allSettled(this.unsent);
    this.retries.close();
    this.link.disconnect();
    this.journal.close();
  }

  private async send(envelope: Envelope): Promise<void> {
    const answer = await sendReliably(this.link, 'pickup', envelope, this.stopper, { policy: this.options.retry, onRetry: (why) => this.retries.add(why) });
    this.journal.add('stored', envelope.messageId);
    this.log.info(`VENDOR: posted ${envelope.order.orderId} for ${envelope.order.customer}`);
    this.emit('posted', envelope, answer.duplicate);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.unsent.add(promise);
    const untrack = () => this.unsent.delete(promise);
    promise.then(untrack, untrack);
    return promise;
  }

  private onDelivered(payload: Envelope, ack: (result: ConsumerAck) => void): void {
    const parsed = envelopeInputSchema.safeParse(payload);
    if (!parsed.success || typeof ack !== 'function') {
      this.log.warn({ payload }, 'VENDOR: ignoring a malformed delivery notice');
      if (typeof ack === 'function') ack({ ok: false, retry: false });
      return;
    }
    const { messageId, order } = parsed.data;
    if (!this.journal.has('posted', messageId)) {
      this.log.warn(`VENDOR: a delivery notice for ${order.orderId}, which this vendor has no record of posting; no thanks (--journal remembers orders across restarts)`);
      this.emit('unknown', parsed.data);
    } else if (!this.journal.has('thanked', messageId)) {
      this.journal.add('thanked', messageId);
      this.log.info(`VENDOR: Thank you for delivering ${order.orderId}`);
      this.emit('thanked', { ...parsed.data, event: 'delivered', queueId: order.store });
    }
    ack({ ok: true });
  }
}
