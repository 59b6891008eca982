/**
 * The whole system as people run it: hub, vendor and driver as separate processes, started with
 * the README's commands. This is the lab's missed-message check, across processes.
 */
import { connectCaps } from '../../src/client/connect';
import { countIds, freePort, Processes } from '../helpers/processes';
import { testCredential } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

const procs = new Processes();
afterEach(() => procs.cleanup());

const POSTED = /VENDOR: posted (\S+) for /;
const THANKED = /VENDOR: Thank you for delivering (\S+)/;
const DELIVERED = /DRIVER: delivered (\S+)/;

it('delivers missed messages across processes, and survives a hub restart', async () => {
  const port = await freePort();
  const hubUrl = `http://localhost:${port}`;
  const env = { PORT: String(port) };
  let hub = procs.start('hub', 'hub', [], env);
  await hub.line(/CAPS hub listening on/);

  // 1. A vendor posts three orders while no driver is running; the hub keeps them.
  // Its default journal (in CAPS_STATE_DIR) tells the restarted vendor which orders it posted: it thanks for those only.
  const vendor = procs.start('vendor', 'vendor', ['--store', 'acme-widgets', '--count', '3', '--interval', '50', '--hub', hubUrl]);
  await hub.count(/EVENT: \{ event: 'pickup'/, 3);
  await vendor.count(POSTED, 3);
  const orders = [...countIds(vendor.lines, POSTED).keys()];

  // 2. The vendor is stopped; 3. a driver starts and delivers all three while it is away. Stopped
  // before the driver starts, not once it has picked up: a loaded machine can read that line, and
  // stop the vendor, later than the driver's 800 ms to deliver; the first vendor, still connected,
  // then thanks for an order that the restarted one waits for in vain.
  vendor.signal('SIGINT');
  expect((await vendor.exited()).code).toBe(0);
  const driver = procs.start('driver', 'driver', ['--name', 'driver-1', '--delay', '400', '--hub', hubUrl]);
  await driver.count(DELIVERED, 3);

  // The restarted vendor is sent the notices it missed, without asking.
  const again = procs.start('vendor again', 'vendor', ['--store', 'acme-widgets', '--count', '1', '--interval', '60000', '--hub', hubUrl]);
  for (const id of orders) await again.line(new RegExp(`Thank you for delivering ${id}`));
  const thanks = countIds([...vendor.lines, ...again.lines], THANKED);
  expect(orders.map((id) => thanks.get(id))).toEqual([1, 1, 1]);
  expect(orders.map((id) => countIds(driver.lines, DELIVERED).get(id))).toEqual([1, 1, 1]);

  // 4. The hub restarts with an empty memory store; both clients reconnect on their own.
  hub.signal('SIGINT');
  expect((await hub.exited()).code).toBe(0);
  hub = procs.start('hub again', 'hub', [], env);
  await hub.line(/CAPS hub listening on/);
  await hub.line(/"client":"vendor:acme-widgets"/);
  await hub.line(/"client":"driver-1"/);
  // And they work: a pickup posted now is delivered by the driver and thanked by the vendor.
  const probe = connectCaps(hubUrl, { role: 'vendor', clientId: 'probe', store: 'acme-widgets' }, testCredential);
  try {
    await waitFor(probe, 'connect');
    const order = { store: 'acme-widgets', orderId: 'after-restart', customer: 'Ada', address: '1 Way' };
    expect(await probe.timeout(5000).emitWithAck('pickup', { event: 'pickup', messageId: order.orderId, queueId: 'driver', order })).toMatchObject({ ok: true });
    await driver.line(/DRIVER: delivered after-restart/);
  } finally {
    probe.disconnect();
  }
  // SIGTERM, as a process manager stops it, is as clean as Ctrl-C.
  hub.signal('SIGTERM');
  expect((await hub.exited()).code).toBe(0);
  await hub.line(/stopped cleanly/);
});
