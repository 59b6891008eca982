/**
 * The packages the dashboard shows as cards, and the stage each has reached:
 * ordered → picked up → in transit → delivered → acknowledged.
 *
 * Only the most recently changed {@link DASHBOARD_LIMITS.cards} packages are kept, so that a
 * busy hub costs the dashboard a fixed amount of memory. Cards move forward only, because the
 * hub's events for one package can arrive out of order (the `acked` that completes a pickup comes
 * just before its `delivered`), with one exception: a pickup sent back to the driver queue before
 * it was delivered (its driver vanished) is waiting again, and shows so.
 */
import { DRIVER_QUEUE, type EntryKey, type Envelope } from '../protocol/envelope';
import { DASHBOARD_LIMITS, PACKAGE_STAGES, type PackageCard, type PackageStage } from '../protocol/dashboard';

const rank = (stage: PackageStage) => PACKAGE_STAGES.indexOf(stage);

export class PackageBoard {
  /** By message id, least recently changed first (a Map keeps insertion order). */
  private readonly cards = new Map<string, PackageCard>();
  private readonly changed = new Set<string>();

  constructor(
    private readonly limit: number = DASHBOARD_LIMITS.cards,
    private readonly now: () => number = Date.now,
  ) {}

  /** A delivery event the hub stored or relayed: `pickup`, `in-transit` or `delivered`. */
  onEvent(envelope: Envelope): void {
    const stage: PackageStage = envelope.event === 'pickup' ? 'ordered' : envelope.event;
    this.advance(envelope.messageId, stage, envelope, envelope.driver === undefined ? {} : { driver: envelope.driver });
  }

  /** A driver acknowledged a pickup, which claims it for that driver. */
  onClaimed(key: EntryKey, envelope: Envelope, owner: string): void {
    if (key.queueId === DRIVER_QUEUE) this.advance(key.messageId, 'picked-up', envelope, { driver: owner });
  }

  /**
   * A message left its queue: a pickup was completed or acknowledged (a classroom driver's
   * `received`), or the vendor acknowledged its delivery notice.
   */
  onAcked(key: EntryKey): void {
    this.advance(key.messageId, key.queueId === DRIVER_QUEUE ? 'picked-up' : 'acknowledged');
  }

  /** A message went back to its queue to be sent again. */
  onRedelivered(key: EntryKey, reason: string): void {
    const card = this.cards.get(key.messageId);
    if (!card) return;
    const waitingAgain = key.queueId === DRIVER_QUEUE && rank(card.stage) < rank('delivered');
    this.put({ ...card, requeued: reason, ...(waitingAgain ? { stage: 'ordered' as const } : {}) });
  }

  /** A message went to its dead-letter queue. */
  onDead(key: EntryKey, reason: string): void {
    const card = this.cards.get(key.messageId);
    if (card) this.put({ ...card, dead: `${key.queueId}: ${reason}` });
  }

  /** Every card kept, least recently changed first. */
  all(): PackageCard[] {
    return [...this.cards.values()];
  }

  /** The cards that changed since the last call, least recently changed first. */
  takeChanged(): PackageCard[] {
    const cards = [...this.changed].flatMap((id) => this.cards.get(id) ?? []);
    this.changed.clear();
    return cards;
  }

  private advance(messageId: string, stage: PackageStage, envelope?: Envelope, extra: Partial<PackageCard> = {}): void {
    const card = this.cards.get(messageId);
    if (!card) {
      // An event for a package we never saw (it was evicted, or the hub restarted): start its card here.
      if (envelope) this.put({ messageId, ...orderFields(envelope), stage, ...extra, updatedAt: this.now() });
      return;
    }
    const newDriver = extra.driver !== undefined && extra.driver !== card.driver;
    if (rank(stage) <= rank(card.stage) && !newDriver) return;
    const { requeued: _requeued, ...rest } = card;
    this.put({ ...rest, ...extra, stage: rank(stage) > rank(card.stage) ? stage : card.stage });
  }

  private put(card: PackageCard): void {
    this.cards.delete(card.messageId); // re-inserting moves it to the most recent end
    this.cards.set(card.messageId, { ...card, updatedAt: this.now() });
    this.changed.delete(card.messageId);
    this.changed.add(card.messageId);
    for (const oldest of this.cards.keys()) {
      if (this.cards.size <= this.limit) break;
      this.cards.delete(oldest);
      this.changed.delete(oldest);
    }
  }
}

function orderFields(envelope: Envelope): Pick<PackageCard, 'store' | 'customer' | 'address'> {
  return { store: envelope.order.store, customer: envelope.order.customer, address: envelope.order.address };
}
