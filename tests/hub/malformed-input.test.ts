/**
 * Bad input is expected input: every event, fed wrong types, missing fields, huge payloads,
 * `__proto__` keys and non-objects, is answered with a clear error through its ack (or a logged
 * warning without one), and the hub stays up with its queues exactly as they were.
 */
import type { Socket } from 'socket.io-client';
import type { Hub } from '../../src/hub/hub';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const order = { store: 'acme-widgets', orderId: 'o-1', customer: 'Ada', address: '1 Way' };
const huge = 'x'.repeat(200_000);
/** `value` with an own `__proto__` key, as JSON.parse makes it from a hostile client's packet. */
const withProto = (value: object) => {
  const json = JSON.stringify(value);
  return JSON.parse(`{"__proto__":{"polluted":true}${json === '{}' ? '' : ','}${json.slice(1)}`);
};

/** Every queue's entries, in the store and in the broker: what must not change. */
async function contents(hub: Hub): Promise<string> {
  const queues = (await hub.store.queues()).sort();
  const lists = await Promise.all(queues.map(async (q) => [q, await hub.store.list(q)]));
  const figures = hub.broker
    .snapshot()
    .filter((q) => q.depth > 0 || q.dead > 0)
    .map(({ queueId, depth, inFlight, dead }) => ({ queueId, depth, inFlight, dead }));
  return JSON.stringify({ lists, dead: await hub.store.deadLetters(), figures });
}

const envelopeCases: [string, unknown][] = [
  ['null', null],
  ['a number', 42],
  ['a string', 'pickup'],
  ['an array', [order]],
  ['an empty object', {}],
  ['order as a string', { messageId: 'm', order: 'o-1' }],
  ['a numeric messageId', { messageId: 7, order }],
  ['no customer', { messageId: 'm', order: { ...order, customer: undefined } }],
  ['an empty store', { messageId: 'm', order: { ...order, store: '' } }],
  ['the driver queue as a store', { messageId: 'm', order: { ...order, store: 'DRIVER' } }],
  ['a huge customer name', { messageId: 'm', order: { ...order, customer: huge } }],
  ['a huge message id', { messageId: huge, order }],
  ['__proto__ and a bad order', withProto({ messageId: 'm', order: { store: 'acme-widgets' } })],
];

const cases: [event: string, label: string, payload: unknown][] = [
  ...envelopeCases.map(([label, payload]) => ['pickup', label, payload] as [string, string, unknown]),
  ...envelopeCases.map(([label, payload]) => ['in-transit', label, payload] as [string, string, unknown]),
  ...envelopeCases.map(([label, payload]) => ['delivered', label, payload] as [string, string, unknown]),
  ['join', 'a number', 42],
  ['join', 'an object without store', { room: 'acme-widgets' }],
  ['join', 'the driver queue', 'driver'],
  ['join', 'a huge name', huge],
  ['join', 'a newline in the name', 'acme\nwidgets'],
  ['join', '__proto__', withProto({})],
  ['getAll', 'null', null],
  ['getAll', 'an empty object', {}],
  ['getAll', 'a numeric queue', { queueId: 5 }],
  ['getAll', 'a path as queue', { queueId: '../../etc/passwd' }],
  ['getAll', 'a huge queue name', { queueId: huge }],
  ['getAll', '__proto__ only', withProto({})],
  ['received', 'a string', 'o-1'],
  ['received', 'no messageId', { queueId: 'driver' }],
  ['received', 'no queueId', { messageId: 'o-1' }],
  ['received', 'a numeric messageId', { queueId: 'driver', messageId: 1 }],
  ['received', 'a huge messageId', { queueId: 'driver', messageId: huge }],
  ['received', '__proto__ only', withProto({})],
  ['explode', 'an unknown event', {}],
];

describe('malformed input', () => {
  let hub: Hub;
  let client: Socket;
  let before: string;

  beforeEach(async () => {
    hub = await t.hub();
    // Something in every queue, so that "unchanged" means something.
    const vendor = t.vendor(hub, 'acme-widgets');
    await vendor.post();
    await vendor.post({ ...order, orderId: 'o-2' });
    client = t.labClient(hub);
    await waitFor(client, 'connect');
    before = await contents(hub);
  });

  it.each(cases)('%s with %s: refused through the ack, queues unchanged', async (event, _label, payload) => {
    const answer = await client.timeout(5000).emitWithAck(event, payload);
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(typeof answer.error.message).toBe('string');
    expect(await contents(hub)).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(client.connected).toBe(true);
  });

  it('names the failing fields', async () => {
    const answer = await client.timeout(5000).emitWithAck('pickup', { messageId: 'm', order: { ...order, customer: 5 } });
    expect(answer.error.issues).toEqual(['order.customer: expected a string, got number']);
  });

  it('an unknown queue or message in received is harmless', async () => {
    expect(await client.timeout(5000).emitWithAck('received', { queueId: 'nobody', messageId: 'nothing' })).toEqual({ ok: true });
    expect(await contents(hub)).toBe(before);
  });

  it('drops a payload over the transport limit, and keeps serving everyone else', async () => {
    const dropped = waitFor(client, 'disconnect');
    client.emit('pickup', { messageId: 'm', order: { ...order, customer: 'x'.repeat(2_000_000) } });
    await dropped;
    expect(await contents(hub)).toBe(before);
    const other = t.labClient(hub);
    expect(await other.timeout(5000).emitWithAck('received', { queueId: 'driver', messageId: 'none' })).toEqual({ ok: true });
  });
});

describe('malformed input without an ack', () => {
  it('is logged as a warning that says why, and changes nothing', async () => {
    const log = new CapturingLogger();
    const hub = await t.hub({}, log.logger);
    const before = await contents(hub);
    const client = t.labClient(hub);
    const warned = (text: RegExp) => () => log.lines.some((l) => l.level === 40 && text.test(l.msg));
    client.emit('pickup', { order: 'nonsense' });
    client.emit('GET-ALL', 12);
    await until(log, ['line'], warned(/refused pickup: pickup expects/), 'the pickup is refused in the log');
    await until(log, ['line'], warned(/refused getAll: getAll expects/), 'the getAll is refused in the log');
    expect(await contents(hub)).toBe(before);
  });
});

describe('roles and handshakes', () => {
  it('refuses a pickup from our driver and a pickup for another store from our vendor', async () => {
    const hub = await t.hub();
    const driver = t.driver(hub, 'driver-1');
    const vendor = t.vendor(hub, 'acme-widgets');
    await Promise.all([waitFor(driver, 'connected'), waitFor(vendor, 'connected')]);
    const envelope = { event: 'pickup' as const, messageId: 'x', queueId: 'driver', order };
    expect(await driver.socket.timeout(5000).emitWithAck('pickup', envelope)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await vendor.socket.timeout(5000).emitWithAck('pickup', { ...envelope, order: { ...order, store: '1-800-flowers' } })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await vendor.socket.timeout(5000).emitWithAck('getAll', { queueId: 'driver' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('refuses a malformed CAPS handshake with connect_error, saying why', async () => {
    const hub = await t.hub();
    const { io } = await import('socket.io-client');
    const socket = io(`${hub.url}/caps`, { auth: { caps: 2, role: 'pilot', clientId: 'x' }, reconnection: false, transports: ['websocket'] });
    t.defer(() => socket.disconnect());
    const [err] = await waitFor<[Error & { data?: { code: string } }]>(socket, 'connect_error');
    expect(err.message).toMatch(/invalid CAPS handshake/);
    expect(err.data?.code).toBe('invalid_payload');
  });
});
