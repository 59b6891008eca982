/**
 * A driver: takes pickups from the hub, reports each package in transit, then delivered.
 *
 * - **Claiming.** A pickup is worked on only after the hub has stored this driver's claim on it;
 *   from then on the hub sends it to no other driver while this one holds its lease, and a driver
 *   that restarts under the same name gets its claims back, even from a restarted hub.
 * - **Once.** The journal records `picked` before the pickup is logged and `delivered` before the
 *   delivery is; a pickup the hub sends again is resumed where it stopped, never started over,
 *   and a delivered one is only reported again.
 * - **Reporting.** `delivered` is sent until the hub has stored it; that also completes the pickup.
 * - **Several hubs.** Given more than one, it moves to the next when one fails
 *   (client/hub-link.ts), as the same driver: claims and reports go to the hub it reaches.
 *
 * @example
 *   const driver = new Driver({ hubUrls: [hubUrl], name: 'driver-1', credential, delayMs: 1000, logger });
 *   driver.on('delivered', (envelope) => …);
 *   await driver.stop();
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger';
import { DRIVER_QUEUE, type Envelope } from '../protocol/envelope';
import { envelopeInputSchema } from '../protocol/schemas';
import type { CapsClientSocket, Credential } from '../client/connect';
import { logConnection } from '../client/connection-log';
import { HubLink } from '../client/hub-link';
import { MemoryJournal, type Journal } from '../client/journal';
import { RetrySummary } from '../client/retry-summary';
import { RefusedError, sendReliably, type RetryPolicy } from '../client/send-reliably';
import { Stopper } from '../client/stopper';

export interface DriverOptions {
  /** The hubs, the first first; the others are tried in turn when the one in use fails. */
  hubUrls: readonly string[];
  /** The driver's name: its identity at the hub, stable across restarts. */
  name: string;
  /** Signs the token that proves this driver is who it says (client/credential.ts). */
  credential: Credential;
  /** The pause from pickup to in-transit, and again from in-transit to delivered. */
  delayMs: number;
  /** How many pickups it may hold at once; the hub's PREFETCH caps it. */
  prefetch?: number;
  logger: Logger;
  journal?: Journal;
  retry?: RetryPolicy;
}

export interface DriverEvents {
  picked: [envelope: Envelope];
  delivered: [envelope: Envelope];
  connected: [];
  disconnected: [reason: string];
}

export class Driver extends EventEmitter<DriverEvents> {
  /** The connection to the hub in use, whichever it is. */
  readonly link: HubLink;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly stopper = new Stopper();
  private readonly retries: RetrySummary;
  /** How claims and reports are sent again: the policy, and retries counted in one line per period. */
  private readonly sending: { policy: RetryPolicy | undefined; onRetry: (why: string) => void };
  /** Packages on the road now, by message id. */
  private readonly working = new Map<string, Promise<void>>();

  constructor(private readonly options: DriverOptions) {
    super();
    this.journal = options.journal ?? new MemoryJournal();
    this.log = options.logger;
    this.retries = new RetrySummary((line) => this.log.warn(`DRIVER: ${line}`));
    this.sending = { policy: options.retry, onRetry: (why) => this.retries.add(why) };
    this.link = new HubLink(options.hubUrls, {
      role: 'driver',
      clientId: options.name,
      ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }),
    }, options.credential);
    logConnection(this.link, {
      who: `DRIVER: ${options.name}`,
      logger: this.log,
      backlog: () => (this.working.size ? `carrying ${this.working.size}` : ''),
    });
    this.link.forEachSocket((socket) => {
      socket.on('connect', () => this.emit('connected'));
      socket.on('disconnect', (reason) => this.emit('disconnected', reason));
      socket.on('pickup', (envelope) => this.onPickup(envelope));
    });
  }

  /** The socket to the hub in use now (another one after a move to another hub). */
  get socket(): CapsClientSocket {
    return this.link.socket;
  }

  /** Packages this driver is carrying right now. */
  get carrying(): number {
    return this.working.size;
  }

  /** Disconnects for good, abandoning the packages on the road (the hub will hand them on). */
  async stop(): Promise<void> {
    this.stopper.stop(new Error('driver stopped'));
    await Promise.allSettled(this.working.values());
    this.retries.close();
    this.link.disconnect();
    this.journal.close();
  }

  private onPickup(payload: Envelope): void {
    const parsed = envelopeInputSchema.safeParse(payload);
    if (!parsed.success) {
      this.log.warn({ payload }, 'DRIVER: ignoring a malformed pickup');
      return;
    }
    const envelope: Envelope = { ...parsed.data, event: 'pickup', queueId: DRIVER_QUEUE };
    const id = envelope.messageId;
    if (this.working.has(id)) {
      // The hub sent it again (we reconnected): claim it again so it stays ours; the trip goes on.
      void this.claim(id);
      return;
    }
    const trip = this.pickUp(envelope).catch((err: unknown) => {
      if (!this.stopper.stopped) this.log.error({ err }, `DRIVER: could not finish ${id}`);
    });
    this.working.set(id, trip);
    void trip.finally(() => this.working.delete(id));
  }

  /** Claims the package, and only once the hub has stored the claim, picks it up and drives. */
  private async pickUp(envelope: Envelope): Promise<void> {
    const id = envelope.messageId;
    // Delivered before a restart, but the hub never heard: only the report is left to do.
    if (!this.journal.has('delivered', id)) {
      if (!(await this.claim(id))) return;
      if (!this.journal.has('picked', id)) {
        this.journal.add('picked', id);
        this.log.info(`DRIVER: picked up ${envelope.order.orderId}`);
        this.emit('picked', envelope);
      }
    }
    await this.carry(envelope);
  }

  /**
   * Whether the hub confirmed the claim. It is sent as reliably as a report (client/send-reliably.ts):
   * a claim that got no answer may still have been stored, and one the hub could not store
   * (`unavailable`: its store is down) is asked again after a back-off, as the hub holds the
   * package for this driver meanwhile; claiming twice is harmless. Any other refusal means it is
   * not ours; a driver that stops has no claim.
   */
  private async claim(messageId: string): Promise<boolean> {
    try {
      await sendReliably(this.link, 'claim', { messageId }, this.stopper, this.sending);
      return true;
    } catch (err) {
      if (err instanceof RefusedError) this.log.info(`DRIVER: ${messageId} went to another driver (${err.code})`);
      return false;
    }
  }

  /** Drives one package to its door, resuming from the journal if it was under way before. */
  private async carry(envelope: Envelope): Promise<void> {
    const id = envelope.messageId;
    const report = { ...envelope, driver: this.options.name };
    if (!this.journal.has('delivered', id)) {
      await this.stopper.sleep(this.options.delayMs);
      this.socket.emit('in-transit', { ...report, event: 'in-transit', queueId: envelope.order.store });
      await this.stopper.sleep(this.options.delayMs);
      this.journal.add('delivered', id);
      this.log.info(`DRIVER: delivered ${envelope.order.orderId}`);
      this.emit('delivered', envelope);
    }
    try {
      await sendReliably(this.link, 'delivered', { ...report, event: 'delivered', queueId: envelope.order.store }, this.stopper, this.sending);
    } catch (err) {
      // The package is at its door whatever the hub says. A hub that knows no such pickup most
      // often stored this very report before it was restarted or replaced, with the answer lost
      // (docs/scaling.md): worth a warning that says so, not an error.
      if (!(err instanceof RefusedError && err.code === 'not_found')) throw err;
      this.log.warn(`DRIVER: the hub has no pickup ${envelope.order.orderId} to report delivered: it took this report before a hub restart or takeover, or the package went to another driver`);
    }
  }
}
