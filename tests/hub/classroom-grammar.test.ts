/**
 * The classroom grammar at the hub, through real sockets, with today's session: a phase-2 flat
 * order and the `{ storeName }` join are accepted, and mistakes are answered with the field and a
 * hint. (Delivering a message in its producer's shape is the session's, and tested with it.)
 */
import { setup, type TestContext } from '../helpers/setup';
import { until } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

type Answer = { ok: boolean; error?: { code: string; issues?: string[] }; messageId?: string };

describe('the classroom grammar at the hub', () => {
  it('accepts a phase-2 flat order with a numeric id and extra fields, and a { storeName } join', async () => {
    const hub = await t.hub();
    const vendor = t.labClient(hub);
    const joined = await vendor.emitWithAck('join', { storeName: 'acme-widgets' });
    expect(joined).toEqual({ ok: true });
    const flat = { store: 'acme-widgets', orderId: 17, customer: 'Ada', address: '1 Way', phone: '555-0100' };
    const stored = (await vendor.emitWithAck('pickup', flat)) as Answer;
    expect(stored).toMatchObject({ ok: true, messageId: '17' });
    await until(hub.broker, ['enqueued'], () => hub.broker.snapshot().some((q) => q.queueId === 'driver' && q.depth === 1), 'the pickup waits');
    const [entry] = await hub.store.list('driver');
    expect(entry?.envelope).toMatchObject({ order: { orderId: '17' }, asSent: { shape: 'flat', order: flat } });
  });

  it('answers getAll for a near miss of the driver queue with a hint, and getAll {} with what is required', async () => {
    const hub = await t.hub();
    const client = t.labClient(hub);
    expect(await client.emitWithAck('getAll', { queueId: 'DRIVERS' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid_payload', issues: ['queueId: "DRIVERS" is not a queue; did you mean "driver"?'] }),
    });
    expect(await client.emitWithAck('getAll', {})).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid_payload', issues: ['queueId: required, "driver" or a store name'] }),
    });
  });
});
