/**
 * How a refused payload is explained: one line per field, naming the field and what was expected,
 * e.g. `order.customer: expected a string, got number` or `queueId: required, "driver" or a store
 * name`. `parse` in `schemas.ts` passes {@link explainIssue} to every zod parse, so zod's generic
 * wording ("Invalid input: expected string, received number") never reaches a client. A schema's
 * own message (a regex's, a refinement's, {@link expecting}'s) takes precedence over it.
 */
import type { z } from 'zod';

/** What a value is, in a student's words: `number`, `null`, `an array`, `an object`, `text`… */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim() === '' ? 'blank text' : 'text';
  if (typeof value === 'object') return 'an object';
  return typeof value; // number, boolean, bigint, undefined…
}

const A: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** zod's per-parse error map: a message for the issues it knows, zod's own for the rest. */
export const explainIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${A[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `at least ${issue.minimum} characters`;
      return `at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') {
        const length = typeof issue.input === 'string' ? `, got ${issue.input.length}` : '';
        return `at most ${issue.maximum} characters${length}`;
      }
      return `at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

/**
 * A schema-level error map for a field with a description, e.g. `expecting('"driver" or a store
 * name')`: a missing field says `required, "driver" or a store name`, a wrong type `expected
 * "driver" or a store name, got number`; every other issue is left to {@link explainIssue}.
 */
export function expecting(description: string): z.core.$ZodErrorMap {
  return (issue) => {
    if (issue.code !== 'invalid_type') return undefined;
    return issue.input === undefined ? `required, ${description}` : `expected ${description}, got ${kindOf(issue.input)}`;
  };
}
