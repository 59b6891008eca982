/**
 * The parsers of the hub's hottest payloads: the envelope every `pickup`, `in-transit` and
 * `delivered` carries, and the `claim`. Each is derived from the one declaration of its fields in
 * `schemas.ts` (a rule, see `fields.ts`): a fast test derived from the rule accepts the canonical
 * input our own clients send, and the zod schema derived from the same rule decides everything else
 * and words every error. Both paths end in the same normalising function, so they cannot disagree
 * on a value; a schema change is made once, in the rule.
 *
 * Why a fast path at all: zod 4 takes about 4 µs to parse a canonical envelope and 1 µs a claim,
 * against about 0.2 µs and 0.02 µs for the derived test, and the hub parses three envelopes and a
 * claim per package (its whole CPU per message is 30-50 µs, see docs/benchmarks.md).
 */
import { parseDeliveryPayload } from './delivery-payload';
import { canonicalTest, schemaOf, type Output, type Rule } from './fields';
import { claimRule, envelopeInputRule, parse, toClaim, toEnvelopeInput, type EnvelopeInput, type Parsed } from './schemas';

/** A parser with a fast path: `fast` alone answers `undefined` when zod has to decide. */
export interface FastParser<T> {
  (data: unknown): Parsed<T>;
  fast(data: unknown): T | undefined;
}

/**
 * The parser of `rule` normalised by `normalise`: the same result as zod's, faster when canonical.
 * `slow` decides what is not canonical: by default the rule's own schema.
 */
export function fastParser<R extends Rule, T>(
  rule: R,
  normalise: (value: Output<R>) => T,
  slow: (data: unknown) => Parsed<T> = (data) => parse(schemaOf(rule).transform(normalise), data),
): FastParser<T> {
  const canonical = canonicalTest(rule);
  const fast = (data: unknown): T | undefined => (canonical(data) ? normalise(data as Output<R>) : undefined);
  return Object.assign((data: unknown): Parsed<T> => {
    const value = fast(data);
    return value === undefined ? slow(data) : { ok: true, value };
  }, { fast });
}

/**
 * Parses a delivery event's payload in any shape (see delivery-payload.ts): our clients' canonical
 * envelope on the fast path, with the same result as `parse(envelopeInputSchema, data)`.
 */
export const parseEnvelopeInput: FastParser<EnvelopeInput> = fastParser(envelopeInputRule, toEnvelopeInput, parseDeliveryPayload);

/** Parses a `claim` payload: the same result as `parse(claimSchema, data)`. */
export const parseClaim: FastParser<string> = fastParser(claimRule, toClaim);
