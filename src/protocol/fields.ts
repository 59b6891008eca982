/**
 * The one declaration of the fields a hot-path payload may carry, from which both of its parsers
 * are derived:
 *
 * - {@link schemaOf} builds the zod schema, which decides every input and words every error;
 * - {@link canonicalTest} builds the fast path's test (see `fast-parse.ts`): `true` only for an
 *   input the schema accepts *unchanged*, so the caller may normalise the input itself instead of
 *   running zod.
 *
 * A field is declared once, as a rule (`text`, `count`, `shape`), with its limit; changing a limit,
 * a pattern or a field changes both parsers. The rules cover what the envelope and the claim need,
 * and no more: anything else a schema needs is plain zod, outside the fast path.
 *
 * @example
 * const claim = shape({ messageId: text(128) });
 * schemaOf(claim);            // z.object({ messageId: z.string().trim().min(1).max(128) })
 * canonicalTest(claim)(data); // true for { messageId: 'm-1' }; false for ' m-1', '', 7, null…
 */
import { z } from 'zod';
import { expecting } from './issues';

/**
 * A string. By default zod trims it and then requires 1 to `max` characters (a name, an id, a text);
 * `trim: false, min: 0` declares a label that is only bounded (`event`, an informative `queueId`).
 */
export interface TextRule {
  readonly kind: 'text';
  readonly max: number;
  readonly min: 0 | 1;
  readonly trim: boolean;
  /** The characters allowed, with the message for a string that breaks the pattern. No `g` flag. */
  readonly pattern?: { readonly regex: RegExp; readonly message: string };
  /** A value refused although it matches, e.g. a store named like the driver queue. */
  readonly refuse?: { readonly when: (value: string) => boolean; readonly message: string };
  /** What the field holds, for its errors: `required, <expected>` or `expected <expected>, got number`. */
  readonly expected?: string;
  readonly optional?: true;
}

/** A count: a non-negative safe integer (zod 4's `int()` is `Number.isSafeInteger`). */
export interface CountRule {
  readonly kind: 'count';
  readonly optional?: true;
}

/** An object of named fields. Unknown keys are dropped (zod's default), which drops `__proto__` too. */
export interface ShapeRule<F extends Fields = Fields> {
  readonly kind: 'shape';
  readonly fields: F;
  /** Canonical only without unknown keys: for a shape whose extra keys its schema keeps. */
  readonly exact?: true;
  /** A rule across fields, run once every field passed, e.g. "orderId or orderID". */
  readonly refine?: {
    check(value: ShapeOutput<F>): boolean;
    readonly path: string;
    readonly message: string;
  };
  readonly optional?: true;
}

/**
 * A field whose schema accepts more than its canonical form: `canonical` is the rule of what our
 * own clients send (the fast path's test), `schema` the zod schema of everything accepted (a
 * classroom's spellings), whose output the canonical input must already be, unchanged.
 */
export interface LenientRule<T = unknown> {
  readonly kind: 'lenient';
  readonly canonical: Rule;
  readonly schema: z.ZodType<T>;
  readonly optional?: true;
}

export type Rule = TextRule | CountRule | ShapeRule | LenientRule;
export interface Fields {
  readonly [key: string]: Rule;
}

/** What a rule parses to. */
export type Output<R extends Rule> = R extends TextRule
  ? string
  : R extends CountRule
    ? number
    : R extends ShapeRule<infer F>
      ? ShapeOutput<F>
      : R extends LenientRule<infer T>
        ? T
        : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
export type ShapeOutput<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: Output<F[K]> } & {
  [K in OptionalKeys<F>]?: Output<F[K]> | undefined;
};

export function text(max: number, options: Partial<Omit<TextRule, 'kind' | 'max' | 'optional'>> = {}): TextRule {
  return { kind: 'text', max, min: options.min ?? 1, trim: options.trim ?? true, ...options };
}

export const count: CountRule = { kind: 'count' };

export function shape<F extends Fields>(fields: F, refine?: ShapeRule<F>['refine']): ShapeRule<F> {
  return refine ? { kind: 'shape', fields, refine } : { kind: 'shape', fields };
}

/** The same shape, canonical only without unknown keys. */
export function exact<F extends Fields>(rule: ShapeRule<F>): ShapeRule<F> {
  return { ...rule, exact: true };
}

export function lenient<T>(canonical: Rule, schema: z.ZodType<T>): LenientRule<T> {
  return { kind: 'lenient', canonical, schema };
}

/** The same rule, which may also be absent or `undefined`. */
export function optional<R extends Rule>(rule: R): R & { readonly optional: true } {
  return { ...rule, optional: true };
}

/** The zod schema of a rule: what is accepted, how it is normalised, and what each error says. */
export function schemaOf<R extends Rule>(rule: R): z.ZodType<Output<R>, Output<R>> {
  const schema = requiredSchemaOf(rule);
  return (rule.optional ? schema.optional() : schema) as z.ZodType<Output<R>, Output<R>>;
}

function requiredSchemaOf(rule: Rule): z.ZodType {
  switch (rule.kind) {
    case 'text': {
      const base = rule.expected === undefined ? z.string() : z.string({ error: expecting(rule.expected) });
      let s = rule.trim ? base.trim() : base;
      if (rule.min > 0) s = s.min(rule.min, { abort: true }); // an empty name breaks no other rule worth saying
      s = s.max(rule.max);
      if (rule.pattern) s = s.regex(rule.pattern.regex, rule.pattern.message);
      const refuse = rule.refuse;
      return refuse ? s.refine((value) => !refuse.when(value), refuse.message) : s;
    }
    case 'count':
      return z.number().int().nonnegative();
    case 'shape': {
      const shapeSchema = z.object(Object.fromEntries(Object.entries(rule.fields).map(([key, field]) => [key, schemaOf(field)])));
      const refine = rule.refine;
      return refine ? shapeSchema.refine((value) => refine.check(value as never), { message: refine.message, path: [refine.path] }) : shapeSchema;
    }
    case 'lenient':
      return rule.schema;
  }
}

/**
 * A test that is `true` only for an input the rule's schema accepts and returns unchanged (no
 * trimming to do, nothing to drop but unknown keys). It never says why: `false` means "ask zod".
 *
 * What "unchanged" means, rule by rule, and why it matches zod:
 * - text: a primitive string with nothing for `String.prototype.trim` to remove (so zod's `.trim()`
 *   is the identity), whose `length` is within `min`..`max`, matching the same regex and refusal;
 * - count: `Number.isSafeInteger` (no NaN, no Infinity, nothing at 2^53) and `>= 0` (`-0` passes);
 * - shape: a plain object (prototype `Object.prototype` or `null`, what Socket.IO's decoder makes),
 *   each field read once, in declaration order as zod reads them; an optional field may be absent
 *   or `undefined`, `null` is zod's to refuse. Unknown keys are ignored, as zod strips them, except
 *   in an `exact` shape, where any key not declared leaves the input to zod;
 * - lenient: its canonical rule's test.
 *
 * The test is compiled to one function per shape with `new Function`, as zod 4 compiles its object
 * parsers: a tree of closures costs three times as much per envelope, which the hub would feel. The
 * source is built only from the rule's own keys (quoted by `JSON.stringify`) and integer limits;
 * regexes and functions are passed in by reference, never written into the source.
 */
export function canonicalTest(rule: Rule): (value: unknown) => boolean {
  const refs: unknown[] = [];
  const ref = (thing: unknown): string => `r[${refs.push(thing) - 1}]`;
  const condition = conditionOf(rule, 'v', ref);
  return compile(refs, `return (v) => ${rule.optional ? `v === undefined || ` : ''}(${condition});`);
}

/** A JavaScript condition on `v` that holds when the value is canonical for `rule` (required). */
function conditionOf(rule: Rule, v: string, ref: (thing: unknown) => string): string {
  switch (rule.kind) {
    case 'text': {
      const parts = [`typeof ${v} === "string"`, `${v}.length <= ${integer(rule.max)}`];
      if (rule.min > 0) parts.push(`${v}.length >= ${integer(rule.min)}`);
      if (rule.trim) parts.push(`${ref(isTrimmed)}(${v})`);
      if (rule.pattern) parts.push(`${ref(rule.pattern.regex)}.test(${v})`);
      if (rule.refuse) parts.push(`!${ref(rule.refuse.when)}(${v})`);
      return parts.join(' && ');
    }
    case 'count':
      return `typeof ${v} === "number" && Number.isSafeInteger(${v}) && ${v} >= 0`;
    case 'shape':
      return `${ref(shapeTest(rule))}(${v})`;
    case 'lenient':
      return conditionOf(rule.canonical, v, ref);
  }
}

/** One function for a shape: each field read once, into a local, in declaration order. */
function shapeTest(rule: ShapeRule): (value: unknown) => boolean {
  const refs: unknown[] = [];
  const ref = (thing: unknown): string => `r[${refs.push(thing) - 1}]`;
  const lines = Object.entries(rule.fields).map(([key, field], i) => {
    const check = conditionOf(field, `f${i}`, ref);
    return `const f${i} = o[${JSON.stringify(key)}]; if (!(${field.optional ? `f${i} === undefined || ` : ''}${check})) return false;`;
  });
  if (rule.exact) {
    // Every enumerable key one of the declared ones (own, as the object is plain); compared inline,
    // which costs less than a Set lookup per key.
    const known = Object.keys(rule.fields).map((key) => `k !== ${JSON.stringify(key)}`);
    lines.push(`for (const k in o) if (${known.join(' && ') || 'true'}) return false;`);
  }
  const refine = rule.refine ? `return ${ref(rule.refine.check.bind(rule.refine))}(o);` : 'return true;';
  return compile(refs, `return (o) => { if (!${ref(isPlainObject)}(o)) return false; ${lines.join(' ')} ${refine} };`);
}

function compile(refs: unknown[], body: string): (value: unknown) => boolean {
  return new Function('r', body)(refs) as (value: unknown) => boolean;
}

function integer(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`a field limit must be an integer, not ${n}`);
  return n;
}

/**
 * An object zod's `z.object` accepts (not null, not an array), narrowed to plain objects. Index
 * signature rather than `Record<string, unknown>` so reads are `unknown`, never assumed present.
 */
export function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value.trim() === value`, without allocating for the usual case. */
function isTrimmed(value: string): boolean {
  if (value.length === 0) return true;
  // Printable ASCII (0x21-0x7e) is never whitespace to trim; for any other end character, ask trim
  // itself (trim only removes, so an unchanged length means an unchanged string).
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return true;
  return value.trim().length === value.length;
}
