/** Argument parsers shared by the CAPS commands (commander calls them with the raw text). */
import { InvalidArgumentError } from 'commander';

/** A whole number ≥ 0, e.g. for `--interval 500`. */
export function wholeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return value;
}

/** A whole number ≥ 1, e.g. for `--count 10`. */
export function positiveNumber(text: string): number {
  const value = wholeNumber(text);
  if (value < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return value;
}
