/** Argument parsers shared by the CAPS commands (commander calls them with the raw text). */
import { InvalidArgumentError } from 'commander';
import { badHubUrl, parseHubUrls } from '../config';

/** A whole number ≥ 0, e.g. for `--interval 500` or `--count 0`. */
export function wholeNumber(text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value)) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return value;
}

/** A whole number ≥ 1, e.g. for `--prefetch 10`. */
export function positiveNumber(text: string): number {
  const value = wholeNumber(text);
  if (value < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return value;
}

/** A port, 0 to 65535 (0 picks a free one). */
export function portNumber(text: string): number {
  const value = wholeNumber(text);
  if (value > 65_535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return value;
}

/**
 * Hubs' addresses, `http://localhost:3000` or just `localhost:3000`, several separated by commas
 * (config.ts, `parseHubUrls`); the error names the first that is not one.
 */
export function hubUrls(text: string): string[] {
  const parsed = parseHubUrls(text);
  if ('bad' in parsed) throw new InvalidArgumentError(badHubUrl(parsed.bad));
  return parsed.urls;
}
