/**
 * The hub's Prometheus metrics, served at `/metrics`. Counters follow the broker's events; gauges
 * are read from the broker, the namespace and the store's health watch when Prometheus scrapes, so
 * they cost nothing between scrapes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DRIVER_QUEUE } from '../protocol/envelope';
import { CLIENT_EVENTS } from '../protocol/spellings';
import type { Broker } from './broker';
import type { HubView } from '../protocol/dashboard';
import type { CapsNamespace } from '../protocol/sockets';
import type { StoreHealthWatch } from './store-health';

const KNOWN_EVENTS = new Set<string>(CLIENT_EVENTS);

export interface HubMetrics {
  registry: Registry;
  /** Counts one client event, by its canonical name. */
  countEvent(event: string): void;
}

/**
 * The hub's metrics, read from its broker, its namespace, its store's health watch, and `hubs`:
 * the roster of the hubs on its Redis prefix (none on an embedded store).
 */
export function createMetrics(broker: Broker, nsp: CapsNamespace, storeHealth: StoreHealthWatch, hubs: () => HubView[]): HubMetrics {
  const registry = new Registry();
  // prom-client's own names start with `process_` or `nodejs_`: the prefix only adds `caps_`.
  collectDefaultMetrics({ register: registry, prefix: 'caps_' });

  const events = new Counter({ name: 'caps_events_total', help: 'Client events received, by event', labelNames: ['event'], registers: [registry] });
  const redeliveries = new Counter({ name: 'caps_redeliveries_total', help: 'Messages put back in their queue, by reason', labelNames: ['queue', 'reason'], registers: [registry] });
  const deadLetters = new Counter({ name: 'caps_dead_letters_total', help: 'Messages moved to a dead-letter queue', labelNames: ['queue'], registers: [registry] });
  const ackLatency = new Histogram({
    name: 'caps_ack_latency_seconds',
    help: 'From sending a queued message to its acknowledgement',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const perQueue = (name: string, help: string, pick: (q: ReturnType<Broker['snapshot']>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        this.reset();
        for (const queue of broker.snapshot()) this.set({ queue: queue.queueId }, pick(queue));
      },
    });
  perQueue('caps_queue_depth', 'Messages in the queue: waiting, in flight or claimed (shared hubs: across every hub, so take max, not sum)', (q) => q.depth);
  perQueue('caps_queue_in_flight', 'Messages this hub sent and has not had acknowledged yet', (q) => q.inFlight);
  perQueue('caps_queue_dead', 'Messages in the dead-letter queue (shared hubs: across every hub, so take max, not sum)', (q) => q.dead);
  new Gauge({
    name: 'caps_connected_clients',
    help: 'Connected /caps clients, by role (classroom clients say none)',
    labelNames: ['role'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = { vendor: 0, driver: 0, classroom: 0 };
      for (const socket of nsp.sockets.values()) counts[socket.data.handshake?.role ?? 'classroom']++;
      for (const [role, count] of Object.entries(counts)) this.set({ role }, count);
    },
  });

  const suspects = new Counter({ name: 'caps_suspects_total', help: 'Times a consumer became a suspect, sent nothing until its probation: SUSPECT_AFTER_TIMEOUTS ack timeouts in a row, or a failed probation', labelNames: ['role'], registers: [registry] });
  new Gauge({
    name: 'caps_suspect_consumers',
    help: 'Connected consumers the hub sends nothing until their probation, as suspects',
    registers: [registry],
    collect() {
      this.set(broker.suspectCount());
    },
  });
  new Gauge({
    name: 'caps_store_up',
    help: 'Whether the queue store takes calls: 1, or 0 while it is down (Redis unreachable, writer lease lost); label store is its kind',
    labelNames: ['store'],
    registers: [registry],
    collect() {
      const { kind, up } = storeHealth.status();
      this.set({ store: kind }, up ? 1 : 0);
    },
  });
  new Counter({
    name: 'caps_store_outages_total',
    help: 'Times the queue store went down since the hub started',
    registers: [registry],
    // The watch counts outages as they happen, however short; a scrape copies its count.
    collect() {
      this.reset();
      this.inc(storeHealth.status().outages);
    },
  });
  new Gauge({
    name: 'caps_store_down_seconds',
    help: 'How long the queue store has been down, in seconds; 0 while it is up',
    registers: [registry],
    collect() {
      this.set(storeHealth.downForMs() / 1000);
    },
  });

  new Gauge({
    name: 'caps_hubs',
    help: 'Hubs on this Redis prefix, by role (active or standby), as the roster in Redis lists them; absent on an embedded store',
    labelNames: ['role'],
    registers: [registry],
    collect() {
      this.reset();
      const listed = hubs();
      if (listed.length === 0) return;
      for (const role of ['active', 'standby'] as const) this.set({ role }, listed.filter((hub) => hub.role === role).length);
    },
  });

  broker.on('suspect', (consumer) => suspects.inc({ role: consumer.queueId === DRIVER_QUEUE ? 'driver' : 'vendor' }));
  broker.on('redelivered', (message, reason) => redeliveries.inc({ queue: message.queueId, reason }));
  broker.on('dead', (message) => deadLetters.inc({ queue: message.queueId }));
  broker.on('acked', (_key, latencyMs) => latencyMs !== undefined && ackLatency.observe(latencyMs / 1000));

  // One child per event name, looked up once: labelling on every increment hashes the labels each time.
  const byEvent = new Map<string, Counter.Internal>();
  const countEvent = (name: string) => {
    // Event names come from clients: anything unknown is one label, or a client could mint series.
    const event = KNOWN_EVENTS.has(name) ? name : 'unknown';
    let child = byEvent.get(event);
    if (!child) byEvent.set(event, (child = events.labels({ event })));
    child.inc();
  };
  return { registry, countEvent };
}
