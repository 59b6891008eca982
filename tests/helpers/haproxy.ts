/**
 * A private haproxy for a test, run from the repository's `deploy/haproxy.cfg` as it is, so that
 * what the tests check is the configuration docs/scaling.md shows: in the foreground (`-db`), as
 * a child process of the test's `Processes` (its cleanup kills it), listening on a free port of
 * 127.0.0.1, in front of two hubs on this machine. The file takes the addresses from haproxy's
 * environment (`CAPS_PROXY_BIND`, `CAPS_HUB_1`, `CAPS_HUB_2`).
 *
 * In the foreground haproxy prints each change of a hub's health (`Server caps_hubs/hub-2 is UP,
 * reason: Layer7 check passed, …`), which `marked` waits for.
 *
 * @example
 *   if (!HAPROXY) return; // not installed: .ci/run installs it
 *   const proxy = await startHaproxy(procs, [portA, portB]);
 *   await proxy.marked('hub-2', 'DOWN');
 *   const client = io(`${proxy.url}/caps`);
 */
import { spawnSync } from 'node:child_process';
import { freePort, type Proc, type Processes } from './processes';

/** The configuration the tests run, relative to the project's root (where `Processes` starts commands). */
export const HAPROXY_CONFIG = 'deploy/haproxy.cfg';

/** The haproxy binary: on the PATH, or in /usr/sbin (Debian's place, which a user's PATH may lack); `undefined` when not installed. */
export const HAPROXY: string | undefined = ['haproxy', '/usr/sbin/haproxy'].find(
  (command) => spawnSync(command, ['-v'], { stdio: 'ignore' }).error === undefined,
);

/** The names the configuration gives the hubs, in the order of their addresses. */
export type HubServer = 'hub-1' | 'hub-2';

export interface PrivateHaproxy {
  proc: Proc;
  /** Where clients reach the hubs through it: `http://127.0.0.1:<port>`. */
  url: string;
  /** Resolves once haproxy has marked `server` `state` for the `count`th time since it started. */
  marked(server: HubServer, state: 'UP' | 'DOWN', count?: number): Promise<void>;
}

/** Starts haproxy in front of the hubs listening on `hubPorts` of this machine (hub-1, hub-2). */
export async function startHaproxy(procs: Processes, hubPorts: [number, number]): Promise<PrivateHaproxy> {
  if (!HAPROXY) throw new Error('haproxy is not installed: apt-get install haproxy');
  const port = await freePort();
  const proc = procs.run('haproxy', HAPROXY, ['-db', '-f', HAPROXY_CONFIG], {
    CAPS_PROXY_BIND: `127.0.0.1:${port}`,
    CAPS_HUB_1: `127.0.0.1:${hubPorts[0]}`,
    CAPS_HUB_2: `127.0.0.1:${hubPorts[1]}`,
  });
  return {
    proc,
    url: `http://127.0.0.1:${port}`,
    marked: (server, state, count = 1) => proc.count(new RegExp(`^\\[WARNING\\].*: Server caps_hubs/${server} is ${state}\\b`), count),
  };
}
