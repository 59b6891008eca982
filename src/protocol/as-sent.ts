/**
 * A classroom producer's payload, kept beside the normalised envelope (`Envelope.asSent`) so that
 * the hub can deliver a message to a classroom client in the shape its producer sent it: a phase-2
 * driver reads `payload.orderId` from the flat order a phase-2 vendor posted, not `payload.order`.
 *
 * - {@link sanitiseOrder} copies the order as sent into plain JSON, refusing what is too large;
 * - {@link asSentOf} decides whether the envelope needs it at all;
 * - {@link payloadAsSent} rebuilds the producer's payload for a delivery.
 */
import type { AsSent, Envelope, JsonValue, PayloadShape, SentOrder } from './envelope';
import type { Order } from './envelope';
import { LIMITS } from './schemas';

/** Keys never copied: they would reach a prototype when a client merges the order into an object. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type Sanitised = { ok: true; value: SentOrder } | { ok: false; issue: string };

/**
 * A fresh, plain-JSON copy of `order` as sent, in its key order: strings, finite numbers, booleans,
 * null, arrays and plain objects; `undefined`, functions and other values are left out, as JSON
 * leaves them out. Refused (never cut) when it has more than `LIMITS.sentOrderKeys` keys, nests
 * deeper than `LIMITS.sentOrderDepth`, or takes more than `LIMITS.sentOrderJson` characters as JSON.
 */
export function sanitiseOrder(order: object): Sanitised {
  const keys = Object.keys(order);
  if (keys.length > LIMITS.sentOrderKeys) return { ok: false, issue: `at most ${LIMITS.sentOrderKeys} fields, got ${keys.length}` };
  const value = copyObject(order as Record<string, unknown>, 1);
  if (value === undefined) return { ok: false, issue: `nested at most ${LIMITS.sentOrderDepth} levels deep` };
  const length = JSON.stringify(value).length;
  if (length > LIMITS.sentOrderJson) return { ok: false, issue: `at most ${LIMITS.sentOrderJson} characters as JSON, got ${length}` };
  return { ok: true, value };
}

/** `undefined` when too deep. */
function copyObject(source: Record<string, unknown>, depth: number): SentOrder | undefined {
  const copy: SentOrder = {};
  for (const key of Object.keys(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const value = copyValue(source[key], depth);
    if (value === TOO_DEEP) return undefined;
    if (value !== SKIP) copy[key] = value;
  }
  return copy;
}

const TOO_DEEP = Symbol('too deep');
const SKIP = Symbol('not JSON');

function copyValue(value: unknown, depth: number): JsonValue | typeof TOO_DEEP | typeof SKIP {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null; // as JSON.stringify writes it
  if (typeof value !== 'object') return SKIP;
  if (depth >= LIMITS.sentOrderDepth) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value) {
      const copy = copyValue(item, depth + 1);
      if (copy === TOO_DEEP) return TOO_DEEP;
      items.push(copy === SKIP ? null : copy); // as JSON.stringify writes a hole
    }
    return items;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return SKIP; // a Date, a Map: not sent by a JSON client
  return copyObject(value as Record<string, unknown>, depth + 1) ?? TOO_DEEP;
}

/**
 * What to keep of a producer's payload: nothing when it was an envelope whose order the normalised
 * `order` reproduces exactly (the same four keys, the same values), which is every envelope our own
 * clients send; otherwise its shape and its order as sent.
 */
export function asSentOf(shape: PayloadShape, inner: Exclude<PayloadShape, 'wrapper'> | undefined, sent: SentOrder, order: Order): AsSent | undefined {
  if (shape === 'envelope' && reproduces(order, sent)) return undefined;
  return inner === undefined ? { shape, order: sent } : { shape, inner, order: sent };
}

function reproduces(order: Order, sent: SentOrder): boolean {
  const keys = Object.keys(sent);
  return (
    keys.length === 4 &&
    sent['store'] === order.store &&
    sent['orderId'] === order.orderId &&
    sent['customer'] === order.customer &&
    sent['address'] === order.address
  );
}

/**
 * The payload to deliver `envelope` with, in the shape its producer sent it: the envelope itself
 * (without `asSent`) for our clients' messages; the producer's order for a flat one; the envelope
 * with the producer's order in it; or the `{ event, time, payload }` wrapper around either, stamped
 * with `now` as a lab hub stamps the events it relays.
 */
export function payloadAsSent(envelope: Envelope, now: Date): unknown {
  const { asSent, ...plain } = envelope;
  if (asSent === undefined) return plain;
  const inner = asSent.shape === 'wrapper' ? asSent.inner : asSent.shape;
  const payload = inner === 'flat' ? { ...asSent.order } : { ...plain, order: { ...asSent.order } };
  return asSent.shape === 'wrapper' ? { event: envelope.event, time: now.toISOString(), payload } : payload;
}
