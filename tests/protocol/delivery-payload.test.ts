/**
 * Delivery payloads in every shape a classroom sends them (envelope, flat order, wrapper), each
 * normalised to one envelope input that remembers what was sent, and rebuilt in that shape.
 */
import { payloadAsSent, sanitiseOrder } from '../../src/protocol/as-sent';
import { parseDeliveryPayload, shapeOf } from '../../src/protocol/delivery-payload';
import { parseEnvelopeInput } from '../../src/protocol/fast-parse';
import { LIMITS, toEnvelope } from '../../src/protocol/schemas';

const order = { store: 'acme-widgets', orderId: 'o-1', customer: 'Ada', address: '1 Way' };
const normal = { ...order };
const flat = { store: 'acme-widgets', orderID: 'o-1', customer: 'Ada', address: '1 Way', phone: '555-0100', items: [{ sku: 'w-1', n: 2 }] };
const at = new Date('2026-12-01T10:00:00.000Z');

describe('the shapes of a delivery payload', () => {
  it.each([
    [{ order }, 'envelope'],
    [{ messageId: 'm' }, 'envelope'], // refused as an envelope missing its order
    [flat, 'flat'],
    [{ store: 'x' }, 'flat'],
    [{ event: 'pickup', time: 't', payload: flat }, 'wrapper'],
    [{ event: 'pickup', time: 't', payload: { order } }, 'wrapper'],
    [null, 'envelope'],
    ['o-1', 'envelope'],
  ])('%p is read as %s', (payload, shape) => expect(shapeOf(payload)).toBe(shape));
});

describe('a phase-2 flat order', () => {
  it.each([
    ['orderId', { orderId: 'o-1' }],
    ['orderID', { orderID: 'o-1' }],
    ['id', { id: 'o-1' }],
    ['a numeric orderId', { orderId: 1 }],
    ['a numeric id', { id: 1 }],
  ])('is accepted with %s, its message id its order id', (_name, id) => {
    const sent = { store: 'acme-widgets', ...id, customer: 'Ada', address: '1 Way' };
    const orderId = String(Object.values(id)[0]);
    expect(parseEnvelopeInput(sent)).toEqual({
      ok: true,
      value: { messageId: orderId, order: { ...normal, orderId }, asSent: { shape: 'flat', order: sent } },
    });
  });

  it('keeps extra fields, and is delivered to a classroom client as it was sent', () => {
    const parsed = parseEnvelopeInput(flat);
    if (!parsed.ok) throw new Error(parsed.issues.join());
    expect(parsed.value.order).toEqual(normal);
    const envelope = toEnvelope(parsed.value, 'pickup', 'driver');
    expect(payloadAsSent(envelope, at)).toEqual(flat);
    expect(payloadAsSent(envelope, at)).not.toBe(parsed.value.asSent!.order); // a copy: a consumer cannot change the stored one
  });

  it('names the field as the student wrote it', () => {
    expect(parseEnvelopeInput({ store: 'acme-widgets', orderId: 'o-1', customer: 5, address: '1 Way' })).toEqual({
      ok: false,
      issues: ['customer: expected a string, got number'],
    });
    expect(parseEnvelopeInput({ store: 'acme-widgets', customer: 'Ada', address: '1 Way' })).toEqual({
      ok: false,
      issues: ['orderId: required, a string or a whole number (orderId, orderID or id)'],
    });
    expect(parseEnvelopeInput({ store: 'acme-widgets', orderId: 1.5, customer: 'Ada', address: '1 Way' })).toEqual({
      ok: false,
      issues: ['orderId: expected a string or a whole number, got number'],
    });
  });
});

describe('the { event, time, payload } wrapper', () => {
  it('around a flat order', () => {
    const wrapped = { event: 'pickup', time: '2026-11-21T10:00:00.000Z', payload: flat };
    const parsed = parseEnvelopeInput(wrapped);
    expect(parsed).toEqual({ ok: true, value: { messageId: 'o-1', order: normal, asSent: { shape: 'wrapper', inner: 'flat', order: flat } } });
    if (!parsed.ok) return;
    expect(payloadAsSent(toEnvelope(parsed.value, 'in-transit', 'acme-widgets'), at)).toEqual({ event: 'in-transit', time: at.toISOString(), payload: flat });
  });

  it('around an envelope', () => {
    const parsed = parseEnvelopeInput({ event: 'pickup', time: 't', payload: { messageId: 'm-1', order: { ...order, orderId: 7 } } });
    const sentOrder = { ...order, orderId: 7 };
    expect(parsed).toEqual({ ok: true, value: { messageId: 'm-1', order: { ...normal, orderId: '7' }, asSent: { shape: 'wrapper', inner: 'envelope', order: sentOrder } } });
    if (!parsed.ok) return;
    expect(payloadAsSent(toEnvelope(parsed.value, 'pickup', 'driver'), at)).toEqual({
      event: 'pickup',
      time: at.toISOString(),
      payload: { event: 'pickup', queueId: 'driver', messageId: 'm-1', order: sentOrder },
    });
  });

  it('prefixes its errors with payload', () => {
    expect(parseEnvelopeInput({ event: 'pickup', payload: { store: 'acme-widgets', orderId: 'o-1', customer: 'Ada' } })).toEqual({
      ok: false,
      issues: ['payload.address: required'],
    });
    expect(parseEnvelopeInput({ event: 'pickup', payload: { messageId: 'm', order: { ...order, customer: [] } } })).toEqual({
      ok: false,
      issues: ['payload.order.customer: expected a string, got an array'],
    });
  });
});

describe('an envelope', () => {
  it('from our clients keeps nothing beside itself, and is delivered as it is', () => {
    const parsed = parseEnvelopeInput({ messageId: 'm-1', order, postedAt: 5 });
    expect(parsed).toEqual({ ok: true, value: { messageId: 'm-1', order: normal, postedAt: 5 } });
    if (!parsed.ok) return;
    const envelope = toEnvelope(parsed.value, 'pickup', 'driver');
    expect(payloadAsSent(envelope, at)).toEqual(envelope);
  });

  it('keeps a classroom order that the normalised one does not reproduce', () => {
    const sent = { ...order, phone: '555-0100' };
    expect(parseEnvelopeInput({ order: sent })).toEqual({ ok: true, value: { messageId: 'o-1', order: normal, asSent: { shape: 'envelope', order: sent } } });
    const padded = { ...order, customer: ' Ada ' };
    expect(parseEnvelopeInput({ order: padded })).toEqual({ ok: true, value: { messageId: 'o-1', order: normal, asSent: { shape: 'envelope', order: padded } } });
  });
});

describe('the order as sent is sanitised and bounded', () => {
  it('drops prototype keys at every depth and non-JSON values', () => {
    const hostile = JSON.parse('{"store":"s","__proto__":{"admin":true},"extra":{"constructor":{"prototype":1},"ok":[1,{"__proto__":2}]}}') as object;
    const result = sanitiseOrder({ ...hostile, when: new Date(0), f: () => 1, n: NaN, u: undefined });
    expect(result).toEqual({ ok: true, value: { store: 's', extra: { ok: [1, {}] }, n: null } });
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(result.ok && Object.prototype.hasOwnProperty.call(result.value, '__proto__')).toBe(false);
  });

  it('refuses an order too large to keep, naming the limit', () => {
    const many = Object.fromEntries(Array.from({ length: LIMITS.sentOrderKeys + 1 }, (_, i) => [`k${i}`, i]));
    expect(parseEnvelopeInput({ ...flat, ...many })).toEqual({ ok: false, issues: [`(payload): at most ${LIMITS.sentOrderKeys} fields, got ${LIMITS.sentOrderKeys + 7}`] });
    const big = { ...flat, notes: 'x'.repeat(LIMITS.sentOrderJson) };
    expect(parseEnvelopeInput({ order: big })).toEqual({ ok: false, issues: [expect.stringMatching(/^order: at most 4096 characters as JSON, got \d+$/)] });
    let deep: unknown = 1;
    for (let i = 0; i < LIMITS.sentOrderDepth; i++) deep = { deep };
    expect(parseEnvelopeInput({ event: 'pickup', payload: { ...flat, deep } })).toEqual({ ok: false, issues: [`payload: nested at most ${LIMITS.sentOrderDepth} levels deep`] });
  });

  it('keeps an order at its limits', () => {
    let deep: unknown = 1;
    for (let i = 0; i < LIMITS.sentOrderDepth - 2; i++) deep = { deep };
    expect(parseDeliveryPayload({ ...flat, deep }).ok).toBe(true);
  });
});
