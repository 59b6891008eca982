/** `.env.example` documents every variable the config module reads, each with its default. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientConfig, DEFAULT_HUB_CONFIG, hubConfig } from '../src/config';

const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
const documented = Object.fromEntries(
  example
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const configSource = readFileSync(join(__dirname, '..', 'src', 'config.ts'), 'utf8');

it('lists every variable that src/config.ts reads', () => {
  const read = [...configSource.matchAll(/^\s+([A-Z][A-Z_]+): /gm)].map((m) => m[1]);
  expect(new Set(Object.keys(documented))).toEqual(new Set(read));
});

it('gives each variable its real default', () => {
  expect(hubConfig({}, documented)).toEqual(DEFAULT_HUB_CONFIG);
  expect(clientConfig(documented)).toEqual(clientConfig({}));
});
