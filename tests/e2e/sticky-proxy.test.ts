/**
 * Classroom clients behind the load balancer docs/scaling.md shows: a private haproxy run from
 * `deploy/haproxy.cfg` (tests/helpers/haproxy.ts) in front of two hubs.
 *
 * - Hot standby: two hub processes with `--standby` on a private Redis; haproxy's health check
 *   sends everyone to the one that serves. Classroom clients (socket.io-client with its defaults:
 *   long-polling first, then the WebSocket upgrade) work through it; the active hub is SIGKILLed;
 *   the standby takes over, haproxy marks it up, a classroom vendor reconnects through haproxy by
 *   itself, and a classroom driver that was away meanwhile catches up with `getAll` on the pickups
 *   posted while it was.
 * - Shared hubs: two hub processes with `--shared`, both serving behind haproxy. A classroom
 *   driver's `getAll` counts and sends what waited, whichever hub it was posted through; after
 *   the hub it was on is SIGKILLed, it comes back through haproxy to the other and catches up there.
 * - Stickiness: with both hubs serving, a client that stays on long-polling (each of its events a
 *   request of its own) keeps reaching the hub that holds its session.
 *
 * The hubs run on a 3-second writer lease (`CAPS_REDIS_LEASE_MS`); every step waits for a log
 * line, a client's event or an answer, never for a length of time. Skipped, saying so, where
 * haproxy is not installed; .ci/run installs it, so CI always runs it.
 */
import { EventEmitter } from 'node:events';
import { io, type ManagerOptions, type Socket } from 'socket.io-client';
import type { Envelope } from '../../src/protocol/envelope';
import { CAPS_NAMESPACE } from '../../src/protocol/events';
import { HAPROXY, startHaproxy } from '../helpers/haproxy';
import { freePort, Processes } from '../helpers/processes';
import { ACTIVE_LINE, HUB_KEYS, pickup, RedisHubs, SHORT_LEASE, STANDING_BY_LINE } from '../helpers/redis-hubs';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor, WAIT_MS } from '../helpers/wait-for';

if (!HAPROXY) console.warn('sticky-proxy: skipping: haproxy is not installed (apt-get install haproxy; .ci/run installs it)');

const hubs = new RedisHubs();
const procs = new Processes();
let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(async () => {
  // Clients (and the in-process hubs of the stickiness test) first, then haproxy, then the hub processes and their Redis.
  await t.cleanup();
  await procs.cleanup();
  await hubs.cleanup();
});

const STORE = 'acme-widgets';

/**
 * A client on `url`, closed at cleanup. `disconnect` leaves a long-polling connection open until
 * its last request has been answered; the cleanup waits for it to close, or a poll that the
 * hubs' closing then breaks would send a request of its own after the test has ended.
 */
function connect(url: string, options: Partial<ManagerOptions> = {}): Socket {
  const socket = io(`${url}${CAPS_NAMESPACE}`, options);
  t.defer(async () => {
    const engine = socket.io.engine;
    const closed = engine && engine.readyState !== 'closed' ? waitFor(engine, 'close') : undefined;
    socket.disconnect();
    await closed;
  });
  return socket;
}

/** What a classroom client reports as it works, for the test to wait on. */
type ClientEvents = { changed: [] };

/**
 * A classroom client, as the lab's are: socket.io-client with its defaults, through `url`. It
 * records the transport each of its connections opened on and the ones it upgraded to, how often
 * it connected, and every answer it did not get (a failed or timed-out ack).
 */
class ClassroomClient extends EventEmitter<ClientEvents> {
  readonly socket: Socket;
  readonly opened: string[] = [];
  readonly upgraded: string[] = [];
  readonly failures: string[] = [];
  connects = 0;

  constructor(url: string) {
    super();
    this.socket = connect(url);
    // The manager opens its first connection after this constructor has returned, so no `open` is missed.
    this.socket.io.on('open', () => {
      const engine = this.socket.io.engine;
      this.opened.push(engine.transport.name);
      engine.on('upgrade', (transport) => this.changed(() => this.upgraded.push(transport.name)));
    });
    this.socket.on('connect', () => this.changed(() => (this.connects += 1)));
  }

  /** Sends `event` and resolves with the hub's answer; a missing answer is recorded as a failure. */
  protected async ask(event: string, payload: unknown): Promise<{ ok: boolean; [key: string]: unknown } | undefined> {
    try {
      return (await this.socket.timeout(WAIT_MS).emitWithAck(event, payload)) as { ok: boolean };
    } catch (err) {
      this.changed(() => this.failures.push(`${event}: ${(err as Error).message}`));
      return undefined;
    }
  }

  /** Applies `change` and tells the test. */
  protected changed(change: () => unknown): void {
    change();
    this.emit('changed');
  }

  /** Resolves once `condition` holds, re-checked at every change. */
  until(condition: () => boolean, what: string): Promise<void> {
    return until(this, ['changed'], condition, what);
  }
}

/**
 * A phase-3 vendor, as tests/fixtures/lab/phase3-vendor.js, but one that joins its store and asks
 * for what it missed on every connect, not only its first, as a client that is to catch up after
 * a reconnect must; it says `received` for every delivery notice.
 */
class LabVendor extends ClassroomClient {
  readonly notices: string[] = [];
  readonly acknowledged: string[] = [];

  constructor(url: string) {
    super(url);
    this.socket.on('connect', () => {
      this.socket.emit('join', STORE);
      void this.ask('getAll', { clientId: STORE });
    });
    this.socket.on('delivered', (notice: Envelope) => {
      this.changed(() => this.notices.push(notice.messageId));
      void this.ask('received', { queueId: STORE, messageId: notice.messageId }).then((answer) => {
        if (answer?.ok) this.changed(() => this.acknowledged.push(notice.messageId));
      });
    });
  }

  /** Posts a pickup for order `id`, and resolves with the hub's answer. */
  post(id: string) {
    return this.ask('pickup', pickup(id));
  }
}

/**
 * A phase-3 driver, as tests/fixtures/lab/phase3-driver.js, but one that asks for every waiting
 * pickup (`getAll`) on every connect; it takes each pickup it is sent (`received`) and reports it
 * delivered.
 */
class LabDriver extends ClassroomClient {
  /** The `count` of each connection's `getAll` answer: how many pickups it was sent by it. */
  readonly caughtUp: number[] = [];
  readonly pickups: string[] = [];
  readonly delivered: string[] = [];

  constructor(url: string) {
    super(url);
    this.socket.on('connect', () => {
      void this.ask('getAll', { queueId: 'driver' }).then((answer) => {
        if (answer?.ok) this.changed(() => this.caughtUp.push(answer.count as number));
      });
    });
    this.socket.on('pickup', (envelope: Envelope) => void this.carry(envelope));
  }

  private async carry(envelope: Envelope): Promise<void> {
    this.changed(() => this.pickups.push(envelope.messageId));
    const taken = await this.ask('received', { queueId: 'driver', messageId: envelope.messageId });
    if (!taken?.ok) return;
    const done = await this.ask('delivered', { ...envelope, event: 'delivered', queueId: envelope.order.store });
    if (done?.ok) this.changed(() => this.delivered.push(envelope.messageId));
  }

  /**
   * Keeps it away after its connection drops, as a laptop closed in class: it does not reconnect
   * until `comeBack`. Socket.IO decides whether to reconnect after telling its sockets of the drop,
   * so switching reconnection off in the `disconnect` listener keeps it from the first attempt.
   */
  stayAwayOnDrop(): void {
    this.socket.once('disconnect', () => this.socket.io.reconnection(false));
  }

  comeBack(): void {
    this.socket.io.reconnection(true);
    this.socket.connect();
  }
}

const portOf = (url: string) => Number(new URL(url).port);
const LISTENING = /CAPS hub listening on/;
/** What a hub logs at `info` when a client with no token (a classroom one) connects. */
const CLASSROOM_CONNECTED = /"role":"classroom".*client connected|client connected.*classroom/;

(HAPROXY ? describe : describe.skip)('classroom clients behind haproxy (deploy/haproxy.cfg)', () => {
  it('work through it on long-polling and WebSocket; after the active hub is SIGKILLed they reach the standby through it, and a driver that was away catches up with getAll', async () => {
    const redis = await hubs.redis();
    const a = await hubs.hub('hub A', SHORT_LEASE, ['--standby']);
    await a.proc.line(ACTIVE_LINE);
    const b = await hubs.hub('hub B', SHORT_LEASE, ['--standby']);
    await b.proc.line(STANDING_BY_LINE);
    const proxy = await startHaproxy(procs, [portOf(a.url), portOf(b.url)]);
    // The standby does not listen, so haproxy's first check of it fails; the active hub passes its own.
    await proxy.marked('hub-2', 'DOWN');

    // Both through haproxy, on the hub's loopback-only rule for clients with no token: haproxy
    // runs on the hubs' machine, and its X-Forwarded-For names the clients, on loopback too.
    const vendor = new LabVendor(proxy.url);
    const driver = new LabDriver(proxy.url);
    await driver.until(() => driver.caughtUp.length === 1, "the driver's first getAll answered");
    await vendor.until(() => vendor.connects === 1, 'the vendor connected');
    // Long-polling first, as every classroom client starts, then the WebSocket, through haproxy.
    for (const client of [vendor, driver]) {
      await client.until(() => client.upgraded.length === 1, 'the upgrade to WebSocket');
      expect([client.opened, client.upgraded]).toEqual([['polling'], ['websocket']]);
    }

    expect(await vendor.post('o-1')).toEqual({ ok: true, messageId: 'o-1', duplicate: false });
    await vendor.until(() => vendor.acknowledged.includes('o-1'), 'the notice of o-1 acknowledged');
    // The hub answers the driver's `delivered` on its socket and sends the notice on the vendor's:
    // the vendor may be done first.
    await driver.until(() => driver.delivered.length === 1, "the driver's report of o-1 answered");
    expect(driver.delivered).toEqual(['o-1']);
    expect(proxy.proc.matching(/hub-1 is DOWN/)).toEqual([]);

    // The driver's laptop closes as the active hub dies: it stays away until the test brings it back.
    driver.stayAwayOnDrop();
    const dropped = Promise.all([waitFor(vendor.socket, 'disconnect'), waitFor(driver.socket, 'disconnect')]);
    a.proc.signal('SIGKILL');
    await a.proc.exited();
    await dropped;
    await proxy.marked('hub-1', 'DOWN');
    await b.proc.line(ACTIVE_LINE);
    await proxy.marked('hub-2', 'UP');

    // The vendor reconnects through haproxy by itself, to the hub that serves now, long-polling first again.
    await vendor.until(() => vendor.connects === 2, 'the vendor reconnected');
    expect(vendor.opened[vendor.opened.length - 1]).toBe('polling');
    // Two orders while the driver is away: they wait in Redis for a driver.
    expect(await vendor.post('o-2')).toEqual({ ok: true, messageId: 'o-2', duplicate: false });
    expect(await vendor.post('o-3')).toEqual({ ok: true, messageId: 'o-3', duplicate: false });
    expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(2);

    // Back, the driver is a new client to the new hub; its getAll sends it both.
    driver.comeBack();
    await driver.until(() => driver.caughtUp.length === 2, "the driver's getAll after it came back answered");
    expect(driver.caughtUp).toEqual([0, 2]);
    await vendor.until(() => vendor.acknowledged.length === 3, 'all three notices acknowledged');
    await driver.until(() => driver.delivered.length === 3, "the driver's three reports answered");

    // Sent in the order they were posted; o-2 and o-3 are carried at once, so they may finish in either order.
    expect(driver.pickups).toEqual(['o-1', 'o-2', 'o-3']);
    expect([...driver.delivered].sort()).toEqual(['o-1', 'o-2', 'o-3']);
    expect([...vendor.notices].sort()).toEqual(['o-1', 'o-2', 'o-3']);
    expect([...vendor.failures, ...driver.failures]).toEqual([]);
    // Nothing is left waiting or claimed.
    expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(0);
    expect(await redis.run('ZCARD', HUB_KEYS.live(STORE))).toBe(0);
    expect(await redis.run('HLEN', HUB_KEYS.owner('driver'))).toBe(0);
  });

  it('on shared hubs, a classroom driver catches up with getAll through it on what was posted on either hub, and again after the hub it was on is SIGKILLed', async () => {
    const redis = await hubs.redis();
    const [a, b] = await Promise.all(['hub A', 'hub B'].map((name) => hubs.hub(name, { ...SHORT_LEASE, LOG_LEVEL: 'info' }, ['--shared'])));
    await Promise.all([a!.proc.line(LISTENING), b!.proc.line(LISTENING)]);
    // Both listen before haproxy starts, so it takes them as up from the start, and says nothing.
    const proxy = await startHaproxy(procs, [portOf(a!.url), portOf(b!.url)]);

    // Two orders, one through each hub, before any driver is there: both wait in Redis.
    const posters = [a!, b!].map((hub, i) => hubs.connect(hub.url, { role: 'vendor', store: STORE, clientId: `poster-${i}` }));
    expect(await posters[0]!.timeout(WAIT_MS).emitWithAck('pickup', pickup('o-1'))).toMatchObject({ ok: true, duplicate: false });
    expect(await posters[1]!.timeout(WAIT_MS).emitWithAck('pickup', pickup('o-2'))).toMatchObject({ ok: true, duplicate: false });

    // The driver reaches one hub through haproxy (by its address), and its getAll counts both.
    const driver = new LabDriver(proxy.url);
    await driver.until(() => driver.caughtUp.length === 1, "the driver's first getAll answered");
    expect(driver.caughtUp).toEqual([2]);
    await driver.until(() => driver.delivered.length === 2, "the driver's reports of o-1 and o-2 answered");
    const [mine, other] = a!.proc.matching(CLASSROOM_CONNECTED).length > 0 ? [a!, b!] : [b!, a!];
    expect(other.proc.matching(CLASSROOM_CONNECTED)).toEqual([]);

    // Its hub dies with its laptop closed; an order comes in meanwhile, through the other hub.
    driver.stayAwayOnDrop();
    const dropped = waitFor(driver.socket, 'disconnect');
    mine.proc.signal('SIGKILL');
    await mine.proc.exited();
    await dropped;
    await proxy.marked(mine === a ? 'hub-1' : 'hub-2', 'DOWN');
    const poster = posters[mine === a ? 1 : 0]!;
    expect(await poster.timeout(WAIT_MS).emitWithAck('pickup', pickup('o-3'))).toMatchObject({ ok: true, duplicate: false });

    // Back, through haproxy to the hub left, it catches up on that one.
    driver.comeBack();
    await driver.until(() => driver.caughtUp.length === 2, "the driver's getAll after it came back answered");
    expect(driver.caughtUp).toEqual([2, 1]);
    await driver.until(() => driver.delivered.length === 3, "the driver's report of o-3 answered");
    expect(other.proc.matching(CLASSROOM_CONNECTED)).toHaveLength(1);
    expect(driver.pickups).toEqual(['o-1', 'o-2', 'o-3']);
    expect(driver.failures).toEqual([]);
    expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(0);
  });

  it('keeps a long-polling client on the hub that holds its session while both hubs serve', async () => {
    const ports: [number, number] = [await freePort(), await freePort()];
    // haproxy first, with no hub yet: once it has found both down, each hub's start shows as its own line.
    const proxy = await startHaproxy(procs, ports);
    await Promise.all([proxy.marked('hub-1', 'DOWN'), proxy.marked('hub-2', 'DOWN')]);
    const serving = [await t.hub({ port: ports[0] }), await t.hub({ port: ports[1] })];
    await Promise.all([proxy.marked('hub-1', 'UP'), proxy.marked('hub-2', 'UP')]);

    // Without WebSocket, each emit is a POST and each answer arrives on a GET: requests of their
    // own, every one of which must reach the hub that holds the session, or it answers "Session ID unknown".
    const socket = connect(proxy.url, { transports: ['polling'] });
    const errors: unknown[] = [];
    socket.on('connect_error', (err) => errors.push(err.message));
    socket.on('disconnect', (reason) => errors.push(reason));
    await until(socket, ['connect', 'connect_error'], () => socket.connected || errors.length > 0, 'connected, or refused');
    expect(errors).toEqual([]);
    for (let round = 0; round < 5; round += 1) {
      expect(await socket.timeout(WAIT_MS).emitWithAck('getAll', { queueId: STORE })).toEqual({ ok: true, count: 0 });
    }
    expect(errors).toEqual([]);
    expect(serving.map((hub) => hub.nsp.sockets.size).sort()).toEqual([0, 1]);
  });
});
