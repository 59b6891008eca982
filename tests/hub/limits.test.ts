/**
 * The hub's global limits and its failures, against a real hub with real sockets: each limit is
 * refused through the ack with a clear code and drops nothing; queues nobody uses are forgotten,
 * from /metrics and the dashboard's port too; a store that refuses writes answers `unavailable`
 * and keeps serving acknowledgements.
 */
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import type { EntryKey } from '../../src/protocol/envelope';
import { MemoryStore } from '../../src/queue/memory-store';
import type { EnqueueOutcome, NewMessage } from '../../src/queue/store';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { startHub } from '../../src/hub/hub';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const order = (orderId: string, store = 'acme-widgets') => ({ store, orderId, customer: 'Ada', address: '1 Way' });
const pickup = (id: string, store?: string) => ({ messageId: id, order: order(id, store) });

async function lab(hub: Hub | string) {
  const socket = t.labClient(hub);
  await waitFor(socket, 'connect');
  return socket;
}

async function metrics(hub: Hub): Promise<string> {
  return (await fetch(`${hub.url}/metrics`)).text();
}

describe('global limits', () => {
  it('refuses a join past MAX_ROOMS_PER_SOCKET with limit_reached, and keeps the stores joined', async () => {
    const hub = await t.hub({ maxRoomsPerSocket: 2 });
    const client = await lab(hub);
    expect(await client.emitWithAck('join', 'a')).toEqual({ ok: true });
    expect(await client.emitWithAck('join', 'b')).toEqual({ ok: true });
    expect(await client.emitWithAck('join', 'a')).toEqual({ ok: true }); // joined already: no new room
    const refused = await client.emitWithAck('join', 'c');
    expect(refused).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    expect(refused.error.message).toContain('MAX_ROOMS_PER_SOCKET');
    // A classroom join is only a room (lab drivers join one too): no queue yet.
    expect([hub.nsp.adapter.rooms.get('a')?.has(client.id!), hub.nsp.adapter.rooms.get('b')?.has(client.id!)]).toEqual([true, true]);
    expect(hub.sessions.get(client.id!)!.info().queues).toEqual([]);
    // A pickup for another store is stored, without making the client consume one more store.
    expect(await client.emitWithAck('pickup', pickup('p', 'c'))).toMatchObject({ ok: true });
    expect(hub.sessions.get(client.id!)!.info().queues).toEqual([]);
    // Its own joined stores it may still consume.
    expect(await client.emitWithAck('getAll', { queueId: 'a' })).toEqual({ ok: true, count: 0 });
    expect(await client.emitWithAck('received', { queueId: 'd', messageId: 'x' })).toEqual({ ok: true });
    expect([...hub.nsp.adapter.rooms.keys()]).not.toContain('c');
    expect([...hub.nsp.adapter.rooms.keys()]).not.toContain('d');
  });

  it('refuses a new queue past MAX_QUEUES (getAll, a delivered notice) but never the driver queue', async () => {
    const hub = await t.hub({ delivery: { maxQueues: 1 } });
    const first = await lab(hub);
    expect(await first.emitWithAck('getAll', { queueId: 'a' })).toEqual({ ok: true, count: 0 });
    const second = await lab(hub);
    expect(await second.emitWithAck('join', 'b')).toEqual({ ok: true }); // a room is no queue
    expect(await second.emitWithAck('getAll', { queueId: 'b' })).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    // The driver queue is exempt: a vendor of the open store can still post.
    expect(await first.emitWithAck('pickup', pickup('p1', 'a'))).toMatchObject({ ok: true });
    expect(await first.emitWithAck('pickup', pickup('p2', 'b'))).toMatchObject({ ok: true });
    const driver = await lab(hub);
    expect(await driver.emitWithAck('getAll', { queueId: 'driver' })).toEqual({ ok: true, count: 2 });
    // Its notice would open store b's queue: refused, and the pickup stays as it was.
    expect(await driver.emitWithAck('delivered', pickup('p2', 'b'))).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual(['p1', 'p2']);
    // Once the first leaves, its queue is forgotten and there is room again.
    first.disconnect();
    await waitFor(hub.activity, 'session', (_s, change) => change === 'disconnected');
    expect(await second.emitWithAck('getAll', { queueId: 'b' })).toEqual({ ok: true, count: 0 });
  });

  it('refuses pickups past MAX_TOTAL_MESSAGES across queues with queue_full, storing every one it accepted', async () => {
    const hub = await t.hub({ delivery: { maxTotalMessages: 3 } });
    const client = await lab(hub);
    for (const id of ['1', '2', '3']) expect(await client.emitWithAck('pickup', pickup(id))).toMatchObject({ ok: true });
    const refused = await client.emitWithAck('pickup', pickup('4'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'queue_full' } });
    expect(refused.error.message).toContain('MAX_TOTAL_MESSAGES');
    expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual(['1', '2', '3']);
  });
});

describe('forgetting', () => {
  it('2,000 store names from getAll leave no queue in /metrics or on the dashboard once their client is gone', async () => {
    const hub = await t.hub({ maxRoomsPerSocket: 2000 });
    const client = await lab(hub);
    for (let i = 0; i < 2000; i++) client.emit('getAll', { queueId: `store-${i}` });
    expect(await client.emitWithAck('join', 'last-one')).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    expect(hub.broker.snapshot()).toHaveLength(2000);
    expect((await metrics(hub)).match(/^caps_queue_depth\{/gm)).toHaveLength(2000);
    client.disconnect();
    await waitFor(hub.activity, 'session', (_s, change) => change === 'disconnected');
    expect(dashboardPort(hub).queues()).toEqual([]);
    expect(await metrics(hub)).not.toMatch(/store-\d/);
  });
});

/** A memory store that refuses writes of new messages while `full`, as a full or read-only disk does. */
class FailingStore extends MemoryStore {
  full = false;
  override enqueue(message: NewMessage, options?: { completes?: EntryKey }): Promise<EnqueueOutcome> {
    if (this.full) return Promise.reject(new Error('ENOSPC: no space left on device'));
    return super.enqueue(message, options);
  }
}

describe('a store that fails', () => {
  it('answers unavailable to writes, keeps serving acknowledgements and getAll, and takes writes again after', async () => {
    const store = new FailingStore({ dedupWindowMs: 60_000 });
    const config = { ...DEFAULT_HUB_CONFIG, port: 0, trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET } };
    const hub = await startHub(config, silentLogger, { store });
    t.defer(() => hub.close());
    const vendor = await lab(hub);
    expect(await vendor.emitWithAck('pickup', pickup('before'))).toMatchObject({ ok: true });
    store.full = true;
    expect(await vendor.emitWithAck('pickup', pickup('during'))).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const driver = await lab(hub);
    expect(await driver.emitWithAck('getAll', { queueId: 'driver' })).toEqual({ ok: true, count: 1 });
    // A lab driver's received takes the pickup (it is its own until it reports it delivered).
    expect(await driver.emitWithAck('received', { queueId: 'driver', messageId: 'before' })).toEqual({ ok: true });
    store.full = false;
    expect(await driver.emitWithAck('delivered', pickup('before'))).toMatchObject({ ok: true });
    expect(await vendor.emitWithAck('pickup', pickup('during'))).toMatchObject({ ok: true, duplicate: false });
    expect((await hub.store.list('driver')).map((m) => m.messageId)).toEqual(['during']);
  });
});
