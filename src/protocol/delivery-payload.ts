/**
 * The payload of `pickup`, `in-transit` and `delivered`, in every shape a client sends it:
 *
 * - **envelope**: `{ messageId?, order: { store, orderId, customer, address }, … }` (phase 3, ours);
 * - **flat**: the order itself, `{ store, orderId | orderID | id, customer, address, …extra }`
 *   (phase 2), whose message id is its order id;
 * - **wrapper**: `{ event, time, payload }` around either (older phase-2 hubs relay this).
 *
 * All three normalise to one `EnvelopeInput`; what the producer sent is kept in `asSent` when the
 * envelope does not reproduce it (see `as-sent.ts`). Errors name the field as the client wrote it:
 * `customer: …` for a flat order, `payload.order.customer: …` inside a wrapper.
 */
import { asSentOf, sanitiseOrder } from './as-sent';
import type { PayloadShape } from './envelope';
import { envelopeInputSchema, orderInputSchema, parse, toOrder, type EnvelopeInput, type Parsed } from './schemas';

/** Keys that make an object without `order` a flat order rather than an envelope missing one. */
const ORDER_KEYS = ['store', 'orderId', 'orderID', 'id', 'customer', 'address'];

/** Which shape `data` is in. Anything unrecognisable is read as an envelope, and refused as one. */
export function shapeOf(data: unknown): PayloadShape {
  if (!isObject(data) || data['order'] !== undefined) return 'envelope';
  if (isObject(data['payload'])) return 'wrapper';
  return ORDER_KEYS.some((key) => data[key] !== undefined) ? 'flat' : 'envelope';
}

/**
 * Parses a delivery event's payload in any of its shapes. The hub's usual caller is
 * `parseEnvelopeInput` (fast-parse.ts), which answers our own clients' envelopes before this runs.
 */
export function parseDeliveryPayload(data: unknown): Parsed<EnvelopeInput> {
  const shape = shapeOf(data);
  if (shape !== 'wrapper') return parseInner(shape, data, '');
  const payload = (data as { payload: unknown }).payload;
  const inner = shapeOf(payload) === 'flat' ? 'flat' : 'envelope';
  return parseInner(inner, payload, 'payload', 'wrapper');
}

function parseInner(inner: Exclude<PayloadShape, 'wrapper'>, data: unknown, prefix: string, outer: PayloadShape = inner): Parsed<EnvelopeInput> {
  if (inner === 'flat') {
    const order = parse(orderInputSchema, data);
    if (!order.ok) return prefixed(order, prefix);
    const normal = toOrder(order.value);
    return withAsSent({ messageId: normal.orderId, order: normal }, data as object, prefix, outer, inner);
  }
  const envelope = parse(envelopeInputSchema, data);
  if (!envelope.ok) return prefixed(envelope, prefix);
  return withAsSent(envelope.value, (data as { order: object }).order, join(prefix, 'order'), outer, inner);
}

/** Adds the producer's order as sent to `value`, or refuses an order too large to keep. */
function withAsSent(value: EnvelopeInput, rawOrder: object, where: string, outer: PayloadShape, inner: Exclude<PayloadShape, 'wrapper'>): Parsed<EnvelopeInput> {
  const sent = sanitiseOrder(rawOrder);
  if (!sent.ok) return { ok: false, issues: [`${where || '(payload)'}: ${sent.issue}`] };
  const asSent = asSentOf(outer, outer === 'wrapper' ? inner : undefined, sent.value, value.order);
  return { ok: true, value: asSent === undefined ? value : { ...value, asSent } };
}

function prefixed<T>(failed: Extract<Parsed<T>, { ok: false }>, prefix: string): Parsed<T> {
  if (prefix === '') return failed;
  return { ok: false, issues: failed.issues.map((line) => (line.startsWith('(payload):') ? `${prefix}${line.slice(9)}` : `${prefix}.${line}`)) };
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** An object whose keys may be read: what zod's `z.object` accepts, including class instances. */
function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
