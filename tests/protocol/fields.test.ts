/** The field rules: one declaration gives a zod schema and a fast test that never outruns it. */
import { canonicalTest, count, optional, schemaOf, shape, text } from '../../src/protocol/fields';

const rule = shape(
  {
    name: text(5, { pattern: { regex: /^[a-z]+$/, message: 'lower case only' }, refuse: { when: (v) => v === 'admin', message: 'reserved' } }),
    label: optional(text(3, { trim: false, min: 0 })),
    n: optional(count),
    inner: optional(shape({ id: text(2) })),
  },
  { check: (v) => v.n !== 7, path: 'n', message: 'not seven' },
);
const canonical = canonicalTest(rule);
const schema = schemaOf(rule);

describe('a rule', () => {
  it.each([
    [{ name: 'abc' }, true],
    [{ name: 'abcde', label: '', n: 0, inner: { id: 'xy' } }, true],
    [{ name: 'abc', label: ' a ' }, true], // a label is not trimmed: canonical as it is
    [{ name: 'abc', extra: 1 }, true],
  ])('takes the canonical %p on the fast path, as zod accepts it unchanged', (input, fast) => {
    expect(canonical(input)).toBe(fast);
    expect(schema.safeParse(input)).toEqual({ success: true, data: Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'extra')) });
  });

  it.each([
    [{ name: ' abc' }, true], // zod trims it: valid, but not unchanged
    [{ name: 'abcdef' }, false],
    [{ name: 'ABC' }, false],
    [{ name: 'admin' }, false],
    [{ name: 'abc', label: 'abcd' }, false],
    [{ name: 'abc', n: -1 }, false],
    [{ name: 'abc', n: 1.5 }, false],
    [{ name: 'abc', n: 7 }, false],
    [{ name: 'abc', n: null }, false],
    [{ name: 'abc', inner: { id: 'xyz' } }, false],
    [{ name: 'abc', inner: { id: ' x' } }, true],
    [{}, false],
    [null, false],
    [['abc'], false],
  ])('leaves %p to zod (valid: %p)', (input, valid) => {
    expect(canonical(input)).toBe(false);
    expect(schema.safeParse(input).success).toBe(valid);
  });

  it('words its errors from the declaration', () => {
    const issues = (input: unknown): string[] => schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ name: 'ABC' })).toEqual(['name: lower case only']);
    expect(issues({ name: 'admin' })).toEqual(['name: reserved']);
    expect(issues({ name: 'abc', n: 7 })).toEqual(['n: not seven']);
  });

  it('may itself be optional', () => {
    const maybe = canonicalTest(optional(text(2)));
    expect([maybe(undefined), maybe('ab'), maybe('abc'), maybe(null)]).toEqual([true, true, false, false]);
  });

  it('refuses a limit that is not an integer, rather than compile it', () => {
    expect(() => canonicalTest(text(Number.NaN))).toThrow('a field limit must be an integer');
  });
});
