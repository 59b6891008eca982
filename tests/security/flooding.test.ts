/**
 * Issue 10's unbounded-growth attacks, against a real hub with real sockets, with a vendor and a
 * driver at work beside the attacker: store names by the thousand, messages past the hub's total,
 * connections past its limit. Each is refused with the documented answer, drops nothing it had
 * accepted, and the victim's orders are still delivered and thanked. (tests/hub/limits.test.ts and
 * connection-limits.test.ts check each limit's own accounting.)
 */
import type { Socket } from 'socket.io-client';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import type { Envelope } from '../../src/protocol/envelope';
import type { Vendor } from '../../src/vendor/vendor';
import { setup, TEST_SECRET, type HubOverrides, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';
import { attempt } from './attempt';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const STORE = 'acme-widgets';
const pickup = (id: string, store: string) => ({ messageId: id, order: { store, orderId: id, customer: 'Mallory', address: '1 Flood Lane' } });

/** A hub with our vendor of STORE connected (its queue opened) and no driver yet. */
async function hubWithVendor(overrides: HubOverrides): Promise<{ hub: Hub; vendor: Vendor }> {
  const hub = await t.hub(overrides);
  const vendor = t.vendor(hub, STORE);
  await waitFor(vendor, 'connected');
  return { hub, vendor };
}

/** Posts one order from `vendor`: its id, and the thanks it gets once a driver delivers it. */
async function postOne(vendor: Vendor): Promise<{ messageId: string; thanked: Promise<Envelope> }> {
  const { messageId } = await vendor.post();
  return { messageId, thanked: waitFor<[Envelope]>(vendor, 'thanked', (notice) => notice.messageId === messageId).then(([notice]) => notice) };
}

async function labClient(hub: Hub): Promise<Socket> {
  const socket = t.labClient(hub);
  await waitFor(socket, 'connect');
  return socket;
}

it('store names by the thousand: limit_reached past MAX_ROOMS_PER_SOCKET and MAX_QUEUES, forgotten when the attacker leaves; the victim is delivered', async () => {
  const { hub, vendor } = await hubWithVendor({ maxRoomsPerSocket: 5, delivery: { maxQueues: 8 } });
  const victim = await postOne(vendor);
  const attackers = [await labClient(hub), await labClient(hub)];
  const answers: unknown[] = [];
  for (const [a, attacker] of attackers.entries()) {
    for (let i = 0; i < 6; i++) answers.push(await attacker.timeout(5000).emitWithAck('getAll', { queueId: `flood-${a}-${i}` }));
  }
  const limitReached = (limit: string) => ({ ok: false, error: { code: 'limit_reached', message: expect.stringContaining(limit) } });
  // The first attacker opens five queues, then meets its own room limit; the second meets the
  // hub's queue limit (STORE's queue and the driver queue exempt, five of the attacker's, two more).
  expect(answers).toEqual([
    ...Array.from({ length: 5 }, () => ({ ok: true, count: 0 })),
    limitReached('MAX_ROOMS_PER_SOCKET'),
    { ok: true, count: 0 },
    { ok: true, count: 0 },
    ...Array.from({ length: 4 }, () => limitReached('MAX_QUEUES')),
  ]);
  expect(await attackers[0]!.timeout(5000).emitWithAck('join', 'one-more')).toEqual(limitReached('MAX_ROOMS_PER_SOCKET'));

  t.driver(hub, 'honest-driver');
  expect(await victim.thanked).toMatchObject({ driver: 'honest-driver' });
  for (const attacker of attackers) attacker.disconnect();
  await until(hub.activity, ['session'], () => !hub.broker.snapshot().some((q) => q.queueId.startsWith('flood-')), "the attackers' queues are forgotten");
  expect(dashboardPort(hub).queues().map((q) => q.queueId)).not.toContainEqual(expect.stringMatching(/^flood-/));
  expect(await (await fetch(`${hub.url}/metrics`)).text()).not.toMatch(/flood-/);
  expect(await attempt(t, hub.url)).toMatchObject({ connected: true });
  expect(await (await postOne(vendor)).thanked).toMatchObject({ driver: 'honest-driver' });
});

it('messages past MAX_TOTAL_MESSAGES across forged queues: queue_full, none dropped; the victim\'s accepted order is delivered', async () => {
  const { hub, vendor } = await hubWithVendor({ delivery: { maxTotalMessages: 20 } });
  const victim = await postOne(vendor);
  const attacker = await labClient(hub);
  const accepted: string[] = [];
  let refusal: unknown;
  for (let i = 0; refusal === undefined; i++) {
    const answer = (await attacker.timeout(5000).emitWithAck('pickup', pickup(`flood-${i}`, `forged-${i % 60}`))) as { ok: boolean };
    if (answer.ok) accepted.push(`flood-${i}`);
    else refusal = answer;
  }
  expect(refusal).toEqual({ ok: false, error: { code: 'queue_full', message: expect.stringContaining('MAX_TOTAL_MESSAGES') } });
  expect(accepted).toHaveLength(19); // the victim's pickup is the twentieth
  // Nothing accepted was dropped to make room.
  expect((await hub.store.list('driver')).map((m) => m.messageId).sort()).toEqual([victim.messageId, ...accepted].sort());
  t.driver(hub, 'honest-driver');
  expect(await victim.thanked).toMatchObject({ driver: 'honest-driver' });
});

it('connections past MAX_CONNECTIONS: refused at the handshake, and the vendor and driver already connected deliver', async () => {
  const { hub, vendor } = await hubWithVendor({ trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, maxConnections: 4 } });
  const driver = t.driver(hub, 'honest-driver');
  await waitFor(driver, 'connected');
  const outcomes = [await attempt(t, hub.url), await attempt(t, hub.url), await attempt(t, hub.url)];
  expect(outcomes.map((o) => (o.connected ? 'connected' : o.data))).toEqual(['connected', 'connected', 'Unexpected server response: 400']);
  expect(hub.io.engine.clientsCount).toBe(4);
  expect(await (await postOne(vendor)).thanked).toMatchObject({ driver: 'honest-driver' });
});
