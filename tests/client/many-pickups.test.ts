/**
 * A driver carrying many packages at once: each package's pauses used to hang a listener on one
 * shared AbortSignal, and past ten Node warned "MaxListenersExceededWarning: Possible EventTarget
 * memory leak". Fifty at once must bring no warning, and stopping still ends every pause. Run in a
 * child process (tests/fixtures/many-pickups.ts): Node writes its warnings to that process's stderr.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

it('carries 50 pickups at once without a warning, and stops cleanly', async () => {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tests/fixtures/many-pickups.ts', '50'], {
    cwd: `${__dirname}/../..`,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  // 'close', not 'exit': the output is read to its end. No limit of our own: starting ts-node on a
  // loaded machine takes what it takes, and jest's test timeout still bounds it.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect({ code, lines }).toEqual({ code: 0, lines: ['carrying 50', 'stopped, carrying 0'] });
});
