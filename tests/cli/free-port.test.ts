/** Ports for hubs that tests and the simulator restart (src/cli/free-port.ts). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from '../../src/cli/free-port';

it('gives a port that can be bound, below the ephemeral range where there is one, so no passing socket takes it meanwhile', async () => {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  await new Promise((resolve) => server.close(resolve));
  const range = (() => {
    try {
      return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    } catch {
      return undefined;
    }
  })();
  if (range !== undefined) expect(port).toBeLessThan(Number(range.trim().split(/\s+/)[0]));
  expect(port).toBeGreaterThanOrEqual(1024);
});
