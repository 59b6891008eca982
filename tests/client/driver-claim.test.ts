/**
 * Our driver's claim of a pickup, sent through client/send-reliably.ts: a claim the hub refuses
 * for good means the package is not this driver's, and it is neither picked up nor carried.
 * (A claim the hub could not store, and asked again, is in tests/reliability/delivery.test.ts.)
 */
import { MemoryJournal } from '../../src/client/journal';
import type { Envelope } from '../../src/protocol/envelope';
import { rawVendor } from '../helpers/raw-clients';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('leaves a pickup whose claim the hub refuses, saying it went to another driver', async () => {
  const hub = await t.hub();
  // The hub finds the pickup no longer this driver's, as when its lease ran out meanwhile.
  const claim = jest.spyOn(hub.broker, 'claim').mockResolvedValueOnce('lost');
  const log = new CapturingLogger();
  const journal = new MemoryJournal();
  const driver = t.driver(hub, 'driver-1', { logger: log.logger, journal });
  const picked: Envelope[] = [];
  driver.on('picked', (envelope) => picked.push(envelope));
  const vendor = rawVendor(t, hub, 'acme-widgets');
  const order = { store: 'acme-widgets', orderId: 'not-mine', customer: 'Ada Lovelace', address: '1 Analytical Way' };
  await vendor.timeout(5000).emitWithAck('pickup', { event: 'pickup', messageId: 'not-mine', queueId: 'driver', order });

  expect((await log.line(/went to another driver/)).msg).toBe('DRIVER: not-mine went to another driver (not_found)');
  expect(claim).toHaveBeenCalledTimes(1);
  expect(picked).toEqual([]);
  expect(journal.has('picked', 'not-mine')).toBe(false);
});
