/**
 * `npm run demo` as a class starts it: the hub first, the clients once it listens, so the first
 * screen has no connection warnings; a port in use ends it with one clear line. With `CAPS_STORE`
 * set to a Redis, its hub keeps its queues there; with `--hubs 2`, one of two hubs serves, and
 * when it is killed the other takes over and the orders go on.
 */
import { createServer } from 'node:net';
import { freePort, Processes } from '../helpers/processes';
import { HUB_KEYS } from '../helpers/redis-hubs';
import { RedisServer } from '../helpers/redis-server';

const procs = new Processes();
afterEach(() => procs.cleanup());

/** Five ts-node processes on a machine that other work loads can take far longer than the usual wait. */
const STARTUP_MS = 180_000;
jest.setTimeout(2 * STARTUP_MS);

it('starts the clients only once the hub listens, on the PORT it is given', async () => {
  const port = await freePort();
  const demo = procs.start('demo', 'demo', [], { PORT: String(port) });
  for (const who of ['acme-widgets', '1-800-flowers', 'driver-1', 'driver-2']) {
    await demo.line(new RegExp(`(VENDOR|DRIVER): ${who} connected to http://localhost:${port}`), STARTUP_MS);
  }
  const listening = demo.lines.findIndex((line) => line.includes(`CAPS hub listening on http://localhost:${port}/caps`));
  const firstClientLine = demo.lines.findIndex((line) => /^\[(acme-widgets|1-800-flowers|driver-\d)\]/.test(line));
  expect(listening).toBeGreaterThan(-1);
  expect(firstClientLine).toBeGreaterThan(listening);
  expect(demo.matching(/cannot reach|disconnected/)).toEqual([]);
});

it('ends with one clear line when the port is in use', async () => {
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, resolve));
  try {
    const demo = procs.start('demo', 'demo', [], { PORT: String(port) });
    await demo.line(/is in use/, STARTUP_MS);
    expect((await demo.exited()).code).toBe(1);
    expect(demo.matching(new RegExp(`port ${port} is in use; set PORT or --port`))).toHaveLength(1);
    expect(demo.matching(/^\[(acme-widgets|1-800-flowers|driver-\d)\]/)).toEqual([]);
  } finally {
    blocker.close();
  }
});

const THANKS = /VENDOR: Thank you for delivering (\S+)/;

it('runs its hub on the Redis that CAPS_STORE names, and the orders go through it', async () => {
  const redis = await RedisServer.start();
  try {
    const port = await freePort();
    const demo = procs.start('demo', 'demo', [], { PORT: String(port), CAPS_STORE: redis.url });
    await demo.line(new RegExp(`CAPS hub listening on .*store: redis://127\\.0\\.0\\.1:${redis.port}`), STARTUP_MS);
    const thanks = await demo.line(THANKS, STARTUP_MS);
    const orderId = THANKS.exec(thanks)![1]!;
    // The driver's `delivered` completed the pickup in Redis before the vendor heard of it.
    expect(await redis.run('ZSCORE', HUB_KEYS.acked('driver'), orderId)).not.toBeNull();
  } finally {
    await procs.cleanup();
    await redis.cleanup();
  }
});

/** Two free ports in a row, for `--hubs 2`: the demo's hubs listen on PORT and PORT + 1. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const next = createServer();
    const free = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false));
      next.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => (free ? next.close(() => resolve()) : resolve()));
    if (free) return port;
  }
}

it('with --hubs 2 on Redis, one hub serves, and when it is killed the other takes over and the orders go on', async () => {
  const redis = await RedisServer.start();
  try {
    const port = await twoFreePorts();
    // A 3-second writer lease, so that the standby takes over within seconds of the kill.
    const demo = procs.start('demo', 'demo', ['--hubs', '2', '--store', redis.url], { PORT: String(port), CAPS_REDIS_LEASE_MS: '3000' });
    const listening = await demo.line(/^\[hub-\d\] .*CAPS hub listening on/, STARTUP_MS);
    const serving = /^\[hub-(\d)\]/.exec(listening)![1]!;
    const other = serving === '1' ? '2' : '1';
    await demo.line(THANKS, STARTUP_MS);

    // The serving hub's process, as the hubs' roster in Redis names it.
    const roster = (await redis.run('HVALS', HUB_KEYS.hubs)) as string[];
    const entries = roster.map((json) => JSON.parse(json) as { id: string; role: string; pid: number });
    expect(Object.fromEntries(entries.map(({ id, role }) => [id, role]))).toEqual({ [`hub-${serving}`]: 'active', [`hub-${other}`]: 'standby' });
    process.kill(entries.find((entry) => entry.role === 'active')!.pid, 'SIGKILL');

    const takeover = new RegExp(`^\\[hub-${other}\\] .*now the active hub: .* serves at http://localhost:${port + Number(other) - 1}`);
    await demo.line(takeover, STARTUP_MS);
    const before = demo.matching(THANKS).length;
    await demo.count(THANKS, before + 2, STARTUP_MS);
  } finally {
    await procs.cleanup();
    await redis.cleanup();
  }
});
