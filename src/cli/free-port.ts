/**
 * A port that was free a moment ago on 127.0.0.1, for a hub that the simulator, the benchmark or a
 * test starts in a child process and must find again at the same address after a restart.
 *
 * Such a port is often left unbound for a while: a standby hub binds its port only when it takes
 * over, and a killed hub's port is free until it is restarted. A port from the kernel's ephemeral
 * range (`port 0`, Linux's `ip_local_port_range`, 32768–60999 by default) could meanwhile be handed
 * to any other socket on the machine, the local end of an outgoing connection or another test's
 * server. Clients that fail over to that address then reach someone else's server: under a
 * loaded CI, a simulated vendor stayed connected to another test's hub and was never thanked. So on
 * Linux the port is chosen below the ephemeral range, where only a deliberate `bind` takes it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port chosen from; the ports below are left to services. */
const LOWEST = 10_000;
const ATTEMPTS = 50;

/** The first port of Linux's ephemeral range, read once: it is the machine's, set at boot. */
let ephemeral: { start: number | undefined } | undefined;

export async function freePort(): Promise<number> {
  const below = (ephemeral ??= { start: ephemeralStart() }).start;
  if (below !== undefined && below - LOWEST >= 1_000) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const port = LOWEST + Math.floor(Math.random() * (below - LOWEST));
      if (await bindable(port)) return port;
    }
  }
  return bound(0);
}

/** The first port of Linux's ephemeral range, or undefined elsewhere. */
function ephemeralStart(): number | undefined {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) ? first : undefined;
  } catch {
    return undefined;
  }
}

async function bindable(port: number): Promise<boolean> {
  return bound(port).then(
    () => true,
    () => false,
  );
}

/** Binds `port` (0: any) on 127.0.0.1, closes it again, and gives the port that was bound. */
function bound(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
