/**
 * Our driver's `delivered` report, sent through client/send-reliably.ts, once the package is at its
 * door: a hub that knows no such pickup (it stored this report, then was restarted or replaced
 * before the answer arrived: docs/scaling.md) gets a warning that says so, not an error.
 */
import type { Envelope } from '../../src/protocol/envelope';
import { rawVendor } from '../helpers/raw-clients';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('warns, and logs no error, when the hub answers its delivered report not_found', async () => {
  const hub = await t.hub();
  // The hub has no record of the pickup when the report comes, as a hub that took over would not.
  const holderOf = jest.spyOn(hub.broker, 'holderOf').mockReturnValue({ found: false });
  const log = new CapturingLogger();
  const driver = t.driver(hub, 'driver-1', { logger: log.logger });
  const delivered: Envelope[] = [];
  driver.on('delivered', (envelope) => delivered.push(envelope));
  const vendor = rawVendor(t, hub, 'acme-widgets');
  const order = { store: 'acme-widgets', orderId: 'done-before', customer: 'Ada Lovelace', address: '1 Analytical Way' };
  await vendor.timeout(5000).emitWithAck('pickup', { event: 'pickup', messageId: 'done-before', queueId: 'driver', order });

  const line = await log.line(/to report delivered/);
  expect(line).toMatchObject({
    level: 40,
    msg: 'DRIVER: the hub has no pickup done-before to report delivered: it took this report before a hub restart or takeover, or the package went to another driver',
  });
  expect(holderOf).toHaveBeenCalledWith({ queueId: 'driver', messageId: 'done-before' });
  expect(delivered.map((e) => e.messageId)).toEqual(['done-before']);
  expect(log.lines.filter((l) => l.level >= 50)).toEqual([]);
});
