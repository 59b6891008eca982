/**
 * A simulator worker process: runs a group of vendor or driver clients against the hub and reports
 * their progress to the parent over IPC (messages.ts).
 *
 * Started by worker-process.ts as `node -r ts-node/register/transpile-only worker.ts '<WorkerSpec>'`.
 * Every client journals to its own FileJournal, so a worker that is SIGKILLed and started again with
 * the same spec resumes where its clients were: a vendor continues its count (and resends orders the
 * hub never confirmed), a driver gets its claimed pickups back from the hub.
 *
 * The worker exits when the parent says `stop`, and on its own if the parent goes away (the IPC
 * channel closes), so it never outlives a simulator that was killed.
 */
import { setTimeout as pause } from 'node:timers/promises';
import { clientConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { localCredential } from '../client/credential';
import { FileJournal } from '../client/journal';
import { Driver } from '../driver/driver';
import { orderFactory } from '../vendor/orders';
import { Vendor } from '../vendor/vendor';
import type { ClientProgress, FromWorker, ToWorker } from './messages';
import type { ClientSpec, VendorSpec, WorkerSpec } from './roster';
import { StampedJournal } from './stamped-journal';

/** How often progress goes to the parent (only when something changed). */
const PROGRESS_EVERY_MS = 100;

interface RunningClient {
  spec: ClientSpec;
  client: Vendor | Driver;
  journal: StampedJournal;
}

const KINDS = { vendor: ['posted', 'stored', 'thanked'], driver: ['picked', 'delivered'] } as const;

function send(message: FromWorker): void {
  process.send?.(message);
}

function fail(message: string): void {
  send({ type: 'failed', message });
}

function startClient(spec: ClientSpec, worker: WorkerSpec, logger: Logger): RunningClient {
  const journal = new StampedJournal(new FileJournal(spec.journal));
  const log = logger.child({ client: spec.name });
  const credential = localCredential(clientConfig(), log);
  if (spec.role === 'driver') {
    const client = new Driver({ hubUrls: worker.hubUrls, name: spec.name, credential, delayMs: worker.driverDelayMs, logger: log, journal });
    return { spec, client, journal };
  }
  const client = new Vendor({ hubUrls: worker.hubUrls, store: spec.store, clientId: spec.clientId, credential, logger: log, journal });
  return { spec, client, journal };
}

/**
 * Posts the vendor's remaining orders, at most `window` unconfirmed at once, until it has posted
 * `spec.count` in all. The seeded factory is first advanced past the orders posted before a
 * restart, so a restarted vendor posts the same orders a run without faults would have.
 */
async function postOrders(vendor: Vendor, spec: VendorSpec, worker: WorkerSpec, stopping: AbortSignal): Promise<void> {
  const { window, postIntervalMs } = worker;
  const orders = orderFactory(spec.seed);
  for (let i = 0; i < vendor.postedCount; i++) orders(spec.store);
  const pending = new Set<Promise<unknown>>();
  while (!stopping.aborted && vendor.postedCount < spec.count) {
    if (pending.size >= window) {
      await Promise.race(pending);
      continue;
    }
    const posting = vendor.post(orders(spec.store)).catch((err: unknown) => {
      // Stopping abandons orders being sent; anything else is a refusal no fault explains.
      if (!stopping.aborted) fail(`${spec.name}: could not post an order: ${err instanceof Error ? err.message : String(err)}`);
    });
    pending.add(posting);
    void posting.finally(() => pending.delete(posting));
    if (postIntervalMs > 0) await pause(postIntervalMs, undefined, { signal: stopping }).catch(() => undefined);
  }
  await Promise.allSettled(pending);
}

/** How long a flap waits for the first message on the new connection before it gives up. */
const FLAP_WAIT_MS = 2_000;

/** Drops the client's connection (see messages.ts), and with `flap` drops the next one early too. */
function drop(client: Vendor | Driver, flap: boolean): void {
  const socket = client.socket;
  // Only a connection that exists can drop. Closing an engine mid-handshake is another fault: the
  // client then waits out its 20 s connect timeout, which would only stall the run.
  if (!socket.connected) return;
  if (flap) {
    socket.once('connect', () => {
      // `onAny` listeners run before the client's own handlers, so this lands before any answer.
      const again = () => {
        clearTimeout(timer);
        socket.offAny(again);
        socket.io.engine?.close();
      };
      const timer = setTimeout(() => socket.offAny(again), FLAP_WAIT_MS);
      socket.onAny(again);
    });
  }
  // Closing the engine, not the socket: Socket.IO sees a transport error and reconnects by itself.
  socket.io.engine?.close();
}

function progressOf(clients: RunningClient[]): ClientProgress[] {
  return clients.map(({ spec, journal }) => ({
    name: spec.name,
    role: spec.role,
    counts: Object.fromEntries(KINDS[spec.role].map((kind) => [kind, journal.count(kind)])),
  }));
}

function main(): void {
  const spec = JSON.parse(process.argv[2] ?? '') as WorkerSpec;
  const logger = createLogger({ name: `simulator:${spec.id}`, ...clientConfig().log });
  const stopping = new AbortController();
  const clients = spec.clients.map((client) => startClient(client, spec, logger));

  for (const { spec: client, client: vendor } of clients) {
    if (client.role === 'vendor' && vendor instanceof Vendor) void postOrders(vendor, client, spec, stopping.signal);
  }

  let last = '';
  const report = () => {
    const progress = progressOf(clients);
    const text = JSON.stringify(progress);
    if (text === last) return;
    last = text;
    send({ type: 'progress', clients: progress });
  };
  const ticker = setInterval(report, PROGRESS_EVERY_MS);

  const stop = async () => {
    if (stopping.signal.aborted) return;
    stopping.abort(new Error('worker stopping'));
    clearInterval(ticker);
    await Promise.allSettled(clients.map(({ client }) => client.stop()));
    report();
    process.exit(0);
  };

  process.on('message', (message: ToWorker) => {
    if (message.type === 'stop') void stop();
    else if (message.type === 'drop') for (const { client } of clients) drop(client, message.flap);
  });
  // The parent is gone (killed, or crashed): nobody is left to stop us.
  process.on('disconnect', () => process.exit(1));
  // The parent decides when a worker stops; a Ctrl-C meant for the simulator must not kill it first.
  process.on('SIGINT', () => undefined);

  send({ type: 'ready' });
  report();
}

try {
  main();
} catch (err) {
  const message: FromWorker = { type: 'failed', message: `worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
  // Exit once the parent has the message; the IPC channel would otherwise keep us alive.
  if (process.send) process.send(message, () => process.exit(1));
  else process.exit(1);
}
