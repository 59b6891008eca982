/** The input schemas: classroom spellings normalised, everything else refused with a reason. */
import type { z } from 'zod';
import { canonicalEventName } from '../../src/protocol/spellings';
import { envelopeInputSchema, getAllSchema, joinSchema, parse, queueIdSchema, receivedSchema } from '../../src/protocol/schemas';

const order = { store: 'acme-widgets', orderId: 'o-1', customer: 'Ada', address: '1 Way' };

describe('event names', () => {
  it.each([
    ['JOIN', 'join'],
    ['Join', 'join'],
    ['PICKUP', 'pickup'],
    ['IN-TRANSIT', 'in-transit'],
    ['In transit', 'in-transit'],
    ['in_transit', 'in-transit'],
    ['DELIVERED', 'delivered'],
    ['GET-ALL', 'getAll'],
    ['getall', 'getAll'],
    ['RECEIVED', 'received'],
  ])('%s is %s', (spelling, canonical) => expect(canonicalEventName(spelling)).toBe(canonical));

  it('knows no other events', () => {
    expect(canonicalEventName('explode')).toBeUndefined();
    expect(canonicalEventName('__proto__')).toBeUndefined();
    expect(canonicalEventName('constructor')).toBeUndefined();
  });
});

describe('envelope', () => {
  it('accepts the lab envelope with orderID and defaults messageId to the order id', () => {
    const lab = { event: 'pickup', queueId: 'acme-widgets', order: { ...order, orderId: undefined, orderID: 'o-9' } };
    expect(parse(envelopeInputSchema, lab)).toEqual({ ok: true, value: { messageId: 'o-9', order: { ...order, orderId: 'o-9' } } });
  });

  it('keeps our extensions and drops unknown keys', () => {
    const result = parse(envelopeInputSchema, { messageId: 'm', order: { ...order, extra: 1 }, driver: 'driver-1', postedAt: 5, evil: true });
    expect(result).toEqual({ ok: true, value: { messageId: 'm', order, driver: 'driver-1', postedAt: 5 } });
  });

  it('refuses an order without an id, saying so', () => {
    expect(parse(envelopeInputSchema, { order: { ...order, orderId: undefined } })).toEqual({ ok: false, issues: ['order.orderId: required, a string or a whole number (orderId, orderID or id)'] });
  });

  it('drops a __proto__ key instead of copying it', () => {
    const hostile = JSON.parse(`{"__proto__":{"admin":true},"messageId":"m","order":${JSON.stringify(order)}}`);
    const result = parse(envelopeInputSchema, hostile);
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(result.ok && (result.value as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('queues, getAll, received and join', () => {
  it('spells the driver queue one way', () => {
    expect(parse(queueIdSchema, 'DRIVER')).toEqual({ ok: true, value: 'driver' });
    expect(parse(getAllSchema, { clientId: 'Driver' })).toEqual({ ok: true, value: 'driver' });
    expect(parse(getAllSchema, 'acme-widgets')).toEqual({ ok: true, value: 'acme-widgets' });
  });

  it('reads received from a key or from a whole echoed envelope', () => {
    expect(parse(receivedSchema, { clientId: 'acme-widgets', messageId: 'm' })).toEqual({ ok: true, value: { queueId: 'acme-widgets', messageId: 'm' } });
    const echoed = { event: 'delivered', queueId: 'acme-widgets', order: { ...order, orderId: undefined, orderID: 'o-7' } };
    expect(parse(receivedSchema, echoed)).toEqual({ ok: true, value: { queueId: 'acme-widgets', messageId: 'o-7' } });
  });

  it('refuses store names that are not names', () => {
    for (const bad of ['', 'driver', 'a/b', 'x'.repeat(65), 'new\nline']) expect(parse(joinSchema, bad).ok).toBe(false);
    expect(parse(joinSchema, { store: '1-800-flowers' })).toEqual({ ok: true, value: '1-800-flowers' });
  });
});

describe('every mistake is answered with the field and what was expected', () => {
  it.each([
    [getAllSchema, {}, ['queueId: required, "driver" or a store name']],
    [getAllSchema, null, ['(payload): expected { queueId } or a queue name, got null']],
    [getAllSchema, { queueId: 5 }, ['queueId: expected "driver" or a store name, got number']],
    [getAllSchema, { queueId: 'x'.repeat(65) }, ['queueId: at most 64 characters, got 65']],
    [getAllSchema, { queueId: ' ' }, ['queueId: must not be empty']],
    [joinSchema, {}, ['store: required, a store name']],
    [joinSchema, [], ['(payload): expected a store name, { store } or { storeName }, got an array']],
    [receivedSchema, {}, ['queueId: required, "driver" or a store name', 'messageId: required, the message id (or the whole envelope)']],
    [envelopeInputSchema, { order: { ...order, customer: 5, address: '' } }, ['order.customer: expected a string, got number', 'order.address: must not be empty']],
    [envelopeInputSchema, { order: null }, ['order: expected an order { store, orderId, customer, address }, got null']],
    [envelopeInputSchema, { order, postedAt: 1.5 }, ['postedAt: expected a whole number, got number']],
  ])('case %#', (schema, input, issues) => expect(parse(schema as z.ZodType, input)).toEqual({ ok: false, issues }));
});

describe('near misses of the driver queue', () => {
  it.each(['drivers', 'DRIVERS', 'Driver_', 'drvier', 'dri-ver', 'driverr', ' Drivers '])('refuses %p with a hint', (name) => {
    const hint = `queueId: "${name.trim()}" is not a queue; did you mean "driver"?`;
    expect(parse(getAllSchema, { queueId: name })).toEqual({ ok: false, issues: [hint] });
    expect(parse(receivedSchema, { queueId: name, messageId: 'm' })).toEqual({ ok: false, issues: [hint] });
  });

  it.each(['driver', 'DRIVER', 'Driver', 'diver', 'drive', 'river', 'acme-widgets', 'Dr. Rivers'])('takes %p as meant', (name) => {
    expect(parse(getAllSchema, { queueId: name })).toEqual({ ok: true, value: name.toLowerCase() === 'driver' ? 'driver' : name });
  });
});

describe('join', () => {
  it.each([['acme'], [{ store: 'acme' }], [{ storeName: 'acme' }], [{ storeName: ' acme ' }]])('reads %p', (input) => {
    expect(parse(joinSchema, input)).toEqual({ ok: true, value: 'acme' });
  });
});
