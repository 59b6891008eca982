/**
 * The course's classroom clients, written as students write them (tests/fixtures/lab/), each a
 * real process against `npm run hub`, unmodified: a phase-2 vendor and driver (rooms, flat orders),
 * a phase-3 vendor and driver (envelopes, getAll, received), and a python-socketio driver whose
 * handler takes exactly the lab's one argument.
 */
import { countIds, freePort, Processes, type Proc } from '../helpers/processes';

const procs = new Processes();
afterEach(() => procs.cleanup());

const LAB = 'tests/fixtures/lab';

/** A hub on a free port, as the README starts it; a quick driver guess, so that tests wait less. */
async function startHub(): Promise<{ hub: Proc; url: string }> {
  const port = await freePort();
  const hub = procs.start('hub', 'hub', [], { PORT: String(port), LAB_DRIVER_GUESS_MS: '100' });
  await hub.line(/CAPS hub listening on/);
  return { hub, url: `http://localhost:${port}` };
}

/** What no client or hub should print when the lab's clients work. */
const BROKEN = /undefined|Error|refused/;

it('phase 2: a flat order reaches the driver as the vendor sent it, and the vendor is thanked once', async () => {
  const { hub, url } = await startHub();
  const driver = procs.run('phase-2 driver', 'node', [`${LAB}/phase2-driver.js`, url, '20']);
  const vendor = procs.run('phase-2 vendor', 'node', [`${LAB}/phase2-vendor.js`, url, '2', '20']);
  await driver.line(/DRIVER: picked up p2-1 for Customer 1$/);
  await driver.line(/DRIVER: picked up p2-2 for Customer 2$/);
  await vendor.count(/VENDOR: Thank you for your order p2-\d, Customer \d$/, 2);
  await vendor.count(/VENDOR: p2-\d is on its way/, 2);
  expect([...countIds(vendor.lines, /Thank you for your order (\S+),/)]).toEqual([['p2-1', 1], ['p2-2', 1]]);
  expect([...driver.lines, ...vendor.lines, ...hub.lines].filter((line) => BROKEN.test(line))).toEqual([]);
});

it('phase 3: envelopes, getAll and received, in the clientId spelling', async () => {
  const { hub, url } = await startHub();
  const vendor = procs.run('phase-3 vendor', 'node', [`${LAB}/phase3-vendor.js`, url, '2', '20']);
  await hub.count(/EVENT: \{ event: 'pickup'/, 2); // posted before any driver runs: they wait in the queue
  const driver = procs.run('phase-3 driver', 'node', [`${LAB}/phase3-driver.js`, url, '20']);
  await driver.count(/DRIVER: delivered p3-\d$/, 2);
  await vendor.count(/VENDOR: Thank you for delivering p3-\d$/, 2);
  expect([...countIds(vendor.lines, /Thank you for delivering (\S+)/)]).toEqual([['p3-1', 1], ['p3-2', 1]]);
  expect([...driver.lines, ...vendor.lines, ...hub.lines].filter((line) => BROKEN.test(line))).toEqual([]);
});

it('a python-socketio driver with def on_pickup(payload) picks up and delivers', async () => {
  const { hub, url } = await startHub();
  const driver = procs.run('python driver', '/usr/bin/python3', [`${LAB}/driver.py`, url], { PYTHONUNBUFFERED: '1' });
  const vendor = procs.run('phase-3 vendor', 'node', [`${LAB}/phase3-vendor.js`, url, '1', '20']);
  await driver.line(/DRIVER: delivered p3-1$/);
  await vendor.line(/VENDOR: Thank you for delivering p3-1$/);
  expect([...driver.lines, ...vendor.lines, ...hub.lines].filter((line) => BROKEN.test(line) || /Traceback|TypeError/.test(line))).toEqual([]);
});
