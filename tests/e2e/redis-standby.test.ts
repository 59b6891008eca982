/**
 * Hot standby, with real hub processes (`npm run hub`, `npm run hub -- --standby`) on a private
 * Redis: a standby takes over from a SIGKILLed hub once its writer lease has run out, and our
 * clients, given both hubs, move to it and lose nothing; a standby that lost its lease stops
 * serving and stands by again; `--standby` without Redis is refused.
 *
 * The hubs run on a 3-second writer lease (`CAPS_REDIS_LEASE_MS`), so that a takeover comes within
 * seconds; nothing here waits for a length of time: every step waits for a log line or an event.
 */
import type { Driver } from '../../src/driver/driver';
import { Processes } from '../helpers/processes';
import { ACTIVE_LINE, HUB_KEYS, RedisHubs, SHORT_LEASE, STANDING_BY_LINE } from '../helpers/redis-hubs';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

const hubs = new RedisHubs();
const procs = new Processes();
let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(async () => {
  // Clients first, then the hubs and their Redis.
  await t.cleanup();
  await procs.cleanup();
  await hubs.cleanup();
});

const LISTENING = /CAPS hub listening on/;

/** Whether a connection to `url` is refused: nothing listens there. */
const refused = (url: string) =>
  fetch(`${url}/healthz`).then(
    () => false,
    (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED',
  );

/** The ids of the pickups each socket of `driver` is sent, by the hub it came from. */
function pickupsSeen(driver: Driver): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  driver.link.forEachSocket((socket, url) => {
    seen.set(url, []);
    socket.on('pickup', (envelope) => seen.get(url)!.push(envelope.messageId));
  });
  return seen;
}

/** How often each id occurs in `ids`. */
const tally = (ids: string[]) => ids.reduce((counts, id) => counts.set(id, (counts.get(id) ?? 0) + 1), new Map<string, number>());

it('a standby takes over from a SIGKILLed hub; the clients move to it, every order is delivered and thanked once, and claimed packages go back to their driver', async () => {
  const redis = await hubs.redis();
  const a = await hubs.hub('hub A', SHORT_LEASE);
  await a.proc.line(LISTENING);
  const b = await hubs.hub('hub B', SHORT_LEASE, ['--standby']);
  // B names the hub that holds the lease (A), and does not listen.
  const holder = String(await redis.run('GET', HUB_KEYS.writer));
  const [, pid] = STANDING_BY_LINE.exec(await b.proc.line(STANDING_BY_LINE))!;
  expect(holder).toMatch(new RegExp(`^pid ${pid} on `));
  expect(await refused(b.url)).toBe(true);

  const both = [a.url, b.url];
  const vendor = t.vendor(a.url, 'acme-widgets', { hubUrls: both });
  const orders = await Promise.all(Array.from({ length: 8 }, () => vendor.post()));
  const thanked: string[] = [];
  vendor.on('thanked', (envelope) => thanked.push(envelope.messageId));
  const unknown: unknown[] = [];
  vendor.on('unknown', (notice) => unknown.push(notice));

  // driver-1 takes three packages at a time; A dies the moment its first claim is stored, with
  // that package on the road (the driver spends 200 ms at each step).
  const driver1 = t.driver(a.url, 'driver-1', { hubUrls: both, prefetch: 3, delayMs: 200 });
  const seenBy1 = pickupsSeen(driver1);
  const delivered1: string[] = [];
  driver1.on('delivered', (envelope) => delivered1.push(envelope.messageId));
  await new Promise<void>((resolve) =>
    driver1.once('picked', () => {
      a.proc.signal('SIGKILL');
      resolve();
    }),
  );
  await a.proc.exited();

  // What A had stored as claimed by driver-1 when it died.
  const owners = (await redis.run('HGETALL', HUB_KEYS.owner('driver'))) as string[];
  const claimedIds = owners.filter((_, i) => i % 2 === 0);
  expect(claimedIds.length).toBeGreaterThan(0);
  expect(owners.filter((_, i) => i % 2 === 1)).toEqual(claimedIds.map(() => 'driver-1'));

  // Two orders posted while neither hub answers: the vendor keeps them until it reaches one.
  const late = Promise.all([vendor.post(), vendor.post()]);
  late.catch(() => undefined); // reported by the test's failure, should it fail before they are stored

  await b.proc.line(ACTIVE_LINE);
  // driver-2 joins at B: it must be sent no package that driver-1 had claimed.
  const driver2 = t.driver(b.url, 'driver-2');
  const seenBy2 = pickupsSeen(driver2);
  const delivered2: string[] = [];
  driver2.on('delivered', (envelope) => delivered2.push(envelope.messageId));

  const ids = [...orders, ...(await late)].map((envelope) => envelope.messageId);
  await until(vendor, ['thanked'], () => thanked.length >= ids.length, `${ids.length} orders thanked for`);
  expect([...thanked].sort()).toEqual([...ids].sort());
  expect(unknown).toEqual([]);
  // Both clients are at B now.
  expect([vendor.link.url, driver1.link.url]).toEqual([b.url, b.url]);

  // Each order was delivered once, by one driver; driver-1's claimed packages by driver-1, which B sent them back to.
  expect(tally([...delivered1, ...delivered2])).toEqual(new Map(ids.map((id) => [id, 1])));
  expect(claimedIds.filter((id) => !delivered1.includes(id))).toEqual([]);
  expect(claimedIds.filter((id) => !seenBy1.get(b.url)!.includes(id))).toEqual([]);
  expect(seenBy2.get(b.url)!.filter((id) => claimedIds.includes(id))).toEqual([]);
  // Nothing is left for a driver in Redis: no pickup waits, none is claimed.
  expect(await redis.run('ZCARD', HUB_KEYS.live('driver'))).toBe(0);
  expect(await redis.run('HLEN', HUB_KEYS.owner('driver'))).toBe(0);
});

it('a standby that lost its lease stops serving, so that its clients move, and stands by again', async () => {
  const redis = await hubs.redis();
  // With nobody holding the lease, a standby is the active hub at once.
  const hub = await hubs.hub('hub', SHORT_LEASE, ['--standby']);
  await hub.proc.line(ACTIVE_LINE);
  const driver = hubs.connect(hub.url, { role: 'driver', clientId: 'driver-1' });
  await waitFor(driver, 'connect');

  // Another hub took the lease, as a standby does once this one's has run out (it paused for too long).
  const dropped = waitFor<[string]>(driver, 'disconnect');
  const other = 'pid 1 on elsewhere (started 2020-01-01T00:00:00.000Z) #other';
  await redis.run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, HUB_KEYS.writer, HUB_KEYS.epoch, other);
  // Dropped, not told to go away: our clients move to the next hub on such a loss (client/hub-link.ts).
  expect((await dropped)[0]).toBe('transport close');
  await hub.proc.line(/standing by for hub pid 1 on elsewhere \(started 2020-01-01T00:00:00\.000Z\)/);
  expect(hub.proc.matching(/lost the writer lease/)).toEqual([
    expect.stringMatching(/to hub pid 1 on elsewhere .*; it writes nothing more and stops serving, so that its clients move to the hub that holds the lease now; it stands by again$/),
  ]);
  expect(await refused(hub.url)).toBe(true);

  // The other hub stops and gives the lease up: this one is the active hub again.
  await redis.run('DEL', HUB_KEYS.writer);
  await hub.proc.count(ACTIVE_LINE, 2);
  await waitFor(driver, 'connect');
  expect(await redis.run('GET', HUB_KEYS.writer)).toMatch(/^pid \d+ on /);
});

it('refuses --standby without a Redis store, in one line, and exits 1', async () => {
  const hub = procs.start('hub', 'hub', ['--standby'], { PORT: '0', CAPS_STORE: 'memory' });
  expect(await hub.exited()).toEqual({ code: 1, signal: null });
  expect(hub.lines).toEqual([
    'caps-hub: invalid environment: CAPS_STANDBY="true": a standby hub (--standby) waits for the writer lease of a Redis prefix, so it needs CAPS_STORE=redis[s]://[[user][:password]@]host:port[/db]; CAPS_STORE is "memory"',
  ]);
});
