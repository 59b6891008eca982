/**
 * What the dashboard knows, and the throttle between the hub and the pages.
 *
 * The feed listens to the hub's activity through its port (delivery events, sessions, and the
 * broker's claimed, acked, redelivered and dead), and keeps the clients, the package cards, the event log and
 * the throughput; the rooms, the queues and the store's health it reads from the port each tick.
 * A page gets everything once, as a `snapshot`; after that, at most every
 * {@link DASHBOARD_TICK_MS}, one `update` with only what changed. However many thousands of events a
 * second the hub handles, a page gets five small messages a second.
 */
import type { Envelope } from '../protocol/envelope';
import { HIDDEN, type Access, type DashboardSnapshot, type RoomView } from '../protocol/dashboard';
import { ClientDirectory } from './clients';
import { LogFeed } from './log-feed';
import { PackageBoard } from './packages';
import type { ActivityListener, DashboardActivity, DashboardPort } from './port';
import { cardFor, lineFor, type FeedUpdate } from './redaction';
import { Throughput } from './throughput';

export class DashboardFeed {
  readonly clients: ClientDirectory;
  readonly log = new LogFeed();
  private packages = new PackageBoard();
  /** Whether a page is open. Without one, cards and log lines would be made for nobody. */
  private watched = false;
  private readonly throughput = new Throughput();
  /** The last lists sent, as JSON, so that an unchanged list is not sent again. */
  private readonly sent = { clients: '', rooms: '', queues: '', store: '', hubs: '' };
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly port: DashboardPort) {
    this.clients = new ClientDirectory((socketId) => port.session(socketId));
    for (const session of port.sessions()) this.clients.onSession(session, 'connected');
    this.listen('event', (envelope) => this.onEvent(envelope));
    this.listen('session', (session, change) => {
      const line = this.clients.onSession(session, change);
      if (line) this.log.add('client', line);
    });
    this.listen('claimed', (message, owner) => {
      if (!this.watched) return;
      this.packages.onClaimed(message, message.envelope, owner);
      this.log.add('claimed', `${owner} claimed ${message.messageId}`);
    });
    this.listen('acked', (key) => {
      if (!this.watched) return;
      this.packages.onAcked(key);
      this.log.add('acked', `${key.queueId} acknowledged ${key.messageId}`);
    });
    this.listen('redelivered', (key, reason) => {
      if (!this.watched) return;
      this.packages.onRedelivered(key, reason);
      this.log.add('redelivered', `${key.messageId} back in queue ${key.queueId} (${reason})`);
    });
    this.listen('dead', (key, reason) => {
      if (!this.watched) return;
      this.packages.onDead(key, reason);
      this.log.add('dead', `${key.messageId} dead-lettered in ${key.queueId}: ${reason}`);
    });
  }

  /**
   * Says whether any page is open. While none is, the feed keeps only the clients and the
   * throughput; the first page to open starts a fresh package board.
   */
  watch(watched: boolean): void {
    if (watched && !this.watched) this.packages = new PackageBoard();
    this.watched = watched;
  }

  /** Everything, for a page that just connected, as its access level may see it. */
  snapshot(access: Access): DashboardSnapshot {
    return {
      access,
      clients: this.clients.list(),
      rooms: this.rooms(),
      queues: this.port.queues(),
      store: this.port.store(),
      hubs: this.port.hubs(),
      packages: this.packages.all().map((card) => cardFor(card, access.level)),
      log: this.log.all().map((line) => lineFor(line, access.level)),
      throughput: this.throughput.values(),
    };
  }

  /**
   * What changed since the last call (or `discard`), or `undefined` if nothing did; fit it to
   * each page's level with `updateFor` (redaction.ts). Call one of the two once a tick, so that
   * changes do not pile up.
   */
  update(): FeedUpdate | undefined {
    const update: FeedUpdate = {};
    const clients = this.changed('clients', this.clients.list());
    if (clients) update.clients = clients;
    const rooms = this.changed('rooms', this.rooms());
    if (rooms) update.rooms = rooms;
    const queues = this.changed('queues', this.port.queues());
    if (queues) update.queues = queues;
    const store = this.changed('store', this.port.store());
    if (store) update.store = store;
    const hubs = this.changed('hubs', this.port.hubs());
    if (hubs) update.hubs = hubs;
    const packages = this.packages.takeChanged();
    if (packages.length) update.packages = packages;
    const { lines, skipped } = this.log.take();
    if (lines.length) update.log = lines;
    if (skipped) update.skipped = skipped;
    if (this.throughput.roll()) update.throughput = this.throughput.values();
    return Object.keys(update).length ? update : undefined;
  }

  /** Drops what changed since the last tick, when no page is open to be told. */
  discard(): void {
    this.packages.takeChanged();
    this.log.take();
    // Once a second, forget clients long gone, as `update` does through `clients.list()`.
    if (this.throughput.roll()) this.clients.prune();
  }

  /** Stops listening to the hub. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private onEvent(envelope: Envelope): void {
    this.throughput.count();
    if (!this.watched) return;
    this.packages.onEvent(envelope);
    const { order } = envelope;
    const text = (customer: string) =>
      envelope.event === 'pickup'
        ? `${order.store} posted ${envelope.messageId} for ${customer}`
        : `${envelope.driver ?? 'a driver'}: ${envelope.messageId} ${envelope.event === 'in-transit' ? 'in transit' : `delivered to ${customer}`}`;
    this.log.add(envelope.event, text(order.customer), envelope.event === 'in-transit' ? undefined : text(HIDDEN));
  }

  /** The `/caps` rooms other than each socket's own, with the client ids in them. */
  private rooms(): RoomView[] {
    return this.port
      .rooms()
      .map(({ name, socketIds }) => ({ name, members: [...new Set([...socketIds].map((id) => this.port.session(id)?.clientId ?? id))].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `value` if it differs from what was last sent as `key`. */
  private changed<T>(key: keyof DashboardFeed['sent'], value: T): T | undefined {
    const json = JSON.stringify(value);
    if (json === this.sent[key]) return undefined;
    this.sent[key] = json;
    return value;
  }

  private listen<K extends keyof DashboardActivity>(event: K, listener: ActivityListener<K>): void {
    this.unsubscribe.push(this.port.subscribe(event, listener));
  }
}
