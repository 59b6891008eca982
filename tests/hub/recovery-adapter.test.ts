/**
 * Socket.IO's connection state recovery keeps what it sends a client for the recovery window, so
 * that a client that reconnects in time gets what it missed. The hub keeps that only for classroom
 * clients (src/hub/recovery-adapter.ts): ours get what they missed from the queues.
 */
import type { Envelope } from '../../src/protocol/envelope';
import type { Hub } from '../../src/hub/hub';
import { rawDriver, rawVendor } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const pickup = (id: string) => ({ messageId: id, order: { store: 'acme-widgets', orderId: id, customer: 'Ada', address: '1 Engine Way' } });

/** The packets Socket.IO's recovery keeps for the `/caps` namespace, by event name. */
const kept = (hub: Hub) => (hub.nsp.adapter as unknown as { packets: { data: unknown[] }[] }).packets.map((p) => p.data[0]);

it('keeps no packet sent to one of our clients', async () => {
  const hub = await t.hub();
  const driver = rawDriver(t, hub, 'driver-1');
  const got = waitFor<[Envelope]>(driver, 'pickup');
  await rawVendor(t, hub, 'acme-widgets').timeout(5000).emitWithAck('pickup', pickup('ours'));
  expect((await got)[0].messageId).toBe('ours');
  expect(kept(hub)).toEqual([]);
});

it('keeps what it sends a classroom client, so that a quick reconnect recovers it', async () => {
  const hub = await t.hub();
  const driver = t.labClient(hub);
  driver.emit('getAll', { queueId: 'driver' });
  await waitFor(driver, 'connect');
  const got = waitFor<[Envelope]>(driver, 'pickup');
  await rawVendor(t, hub, 'acme-widgets').timeout(5000).emitWithAck('pickup', pickup('theirs'));
  expect((await got)[0].messageId).toBe('theirs');
  expect(kept(hub)).toEqual(['session', 'pickup']);
});
