/**
 * `npm run demo` as a class starts it: the hub first, the clients once it listens, so the first
 * screen has no connection warnings; a port in use ends it with one clear line.
 */
import { createServer } from 'node:net';
import { freePort, Processes } from '../helpers/processes';

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
