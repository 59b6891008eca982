/**
 * Input meant to break the console, against the real processes: a frame nested 6,000 deep (which
 * used to throw in the JSON event log and take the hub down), a 900 KB event name, and an order
 * whose id and customer carry ANSI escapes, CR/LF and a bidi override. The hub stays up, a
 * victim's order posted before the attack is still delivered, and no line of the hub, the driver
 * or the vendor carries a raw control character or runs to megabytes.
 */
import { io, type Socket } from 'socket.io-client';
import { freePort, Processes, type Proc } from '../helpers/processes';
import { collect, waitFor } from '../helpers/wait-for';

const procs = new Processes();
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await procs.cleanup();
});

/** Starting ts-node on a machine that other work loads can take far longer than the usual wait. */
const STARTUP_MS = 120_000;
jest.setTimeout(4 * STARTUP_MS);

const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const hostile = '\u001b[31mred\r\nFAKE: forged line\u202eevil';

async function startHub(format: 'json' | 'pretty'): Promise<{ hub: Proc; url: string }> {
  const port = await freePort();
  const hub = procs.start(`hub (${format})`, 'hub', [], { PORT: String(port), LOG_FORMAT: format });
  await hub.line(/CAPS hub listening on/, STARTUP_MS);
  return { hub, url: `http://localhost:${port}` };
}

async function labClient(url: string): Promise<Socket> {
  const socket = io(`${url}/caps`, { transports: ['websocket'] });
  sockets.push(socket);
  await waitFor(socket, 'connect');
  return socket;
}

const order = (orderId: string) => ({ store: 'acme-widgets', orderId, customer: hostile, address: '1 Way' });
const pickup = (orderId: string) => ({ messageId: orderId, queueId: 'driver', order: order(orderId) });

it('a JSON-logging hub survives a frame nested 6,000 deep and a 900 KB event name, logs each in bounded lines, and delivers a victim\'s order', async () => {
  const { hub, url } = await startHub('json');
  // The victim: a lab vendor of another store, whose order waits for a driver through the attack.
  const victim = await labClient(url);
  const victimOrder = { messageId: 'victim-order', queueId: 'driver', order: { store: 'victim-store', orderId: 'victim-order', customer: 'Ada', address: '1 Way' } };
  expect(await victim.timeout(30_000).emitWithAck('pickup', victimOrder)).toMatchObject({ ok: true });

  const client = await labClient(url);
  // Sent without an ack, each refusal comes back as an `error` event.
  const refusals = collect<{ event: string; code: string; message: string }>(client, 'error', 2);
  // Written as a raw Socket.IO frame: the client's own encoder would overflow its stack on it.
  const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
  client.io.engine.send(`2/caps,["pickup",${deep}]`); // engine.io adds its own `4` (message)
  client.emit('x'.repeat(900_000), 'hello');
  // In either order: the hub refuses a pickup after an await, an unknown event at once, so two
  // frames read together are answered in the other order.
  const answered = await refusals;
  expect(answered).toHaveLength(2);
  expect(answered).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ event: 'pickup', code: 'invalid_payload' }),
      expect.objectContaining({ event: 'x'.repeat(64), code: 'invalid_payload', message: `unknown event "${'x'.repeat(64)}"` }),
    ]),
  );
  // Still serving: a good pickup is stored.
  expect(await client.timeout(30_000).emitWithAck('pickup', pickup('after-the-attack'))).toMatchObject({ ok: true });
  await hub.line(/after-the-attack/);
  // The refusal's payload is logged to a bounded depth, then `[…]`.
  await hub.line(/"event":"pickup","payload":\[+"\[…\]"\]+,"error":\{"code":"invalid_payload"/);
  expect(hub.lines.filter((line) => line.length > 5000)).toEqual([]);
  const unknown = await hub.line(/"event":"xxxx/);
  expect(unknown).toMatch(/"msg":"refused x{64}: unknown event /); // the name is cut to 64 characters, in the log as in the answer

  // A lab driver takes the victim's order and delivers it; the victim is told.
  const driver = await labClient(url);
  const sent = waitFor<[{ messageId: string }]>(driver, 'pickup', (p) => p.messageId === 'victim-order');
  expect(await driver.timeout(30_000).emitWithAck('getAll', { queueId: 'driver' })).toMatchObject({ ok: true });
  await sent;
  const told = waitFor<[{ messageId: string }]>(victim, 'delivered');
  expect(await driver.timeout(30_000).emitWithAck('received', { queueId: 'driver', messageId: 'victim-order' })).toEqual({ ok: true });
  expect(await driver.timeout(30_000).emitWithAck('delivered', { ...victimOrder, queueId: 'victim-store' })).toMatchObject({ ok: true });
  expect((await told)[0]).toMatchObject({ messageId: 'victim-order' });
});

it('no hub, driver or vendor line carries a raw control or bidi character from an order', async () => {
  const { hub, url } = await startHub('pretty');
  const vendor = procs.start('vendor', 'vendor', ['--store', 'acme-widgets', '--count', '0', '--hub', url]);
  await vendor.line(/VENDOR: acme-widgets connected/, STARTUP_MS);
  const client = await labClient(url);
  expect(await client.timeout(30_000).emitWithAck('pickup', pickup(`id-${hostile}`.slice(0, 100)))).toMatchObject({ ok: true });
  client.emit(hostile, { customer: hostile });
  await hub.line(/WARN: refused \\x1b\[31mred\\r\\nFAKE: forged line\\u202eevil: unknown event/);
  // The poster leaves, so that the order's delivery notice goes to our vendor, its store's only consumer.
  client.disconnect();
  const driver = procs.start('driver', 'driver', ['--name', 'driver-1', '--delay', '0', '--hub', url]);
  await driver.line(/DRIVER: delivered id-\\x1b\[31mred\\r\\nFAKE: forged line\\u202eevil/, STARTUP_MS);
  await hub.line(/EVENT: \{ event: 'delivered'/);
  // Our vendor did not post it: it says so, escaped, and thanks for nothing.
  await vendor.line(/VENDOR: a delivery notice for id-\\x1b\[31mred\\r\\nFAKE: forged line\\u202eevil, which this vendor has no record of posting/);
  const lines = [...hub.lines, ...driver.lines, ...vendor.lines];
  for (const line of lines) expect(line).not.toMatch(RAW_UNSAFE);
  expect(lines.filter((line) => line.startsWith('FAKE'))).toEqual([]);
  expect(vendor.matching(/Thank you/)).toEqual([]);
});
