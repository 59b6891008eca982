/**
 * A second "machine" for access tests: a Linux network namespace joined to this one by a veth pair,
 * on a private /30 (10.213.N.0/30). A process run inside it reaches the hub from 10.213.N.2, which
 * is not a loopback address. Needs root and iproute2; `create` says why when it cannot.
 * Only this namespace and its own veth pair are ever touched.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { WAIT_MS } from '../helpers/wait-for';

const run = promisify(execFile);

export interface NetworkNamespace {
  name: string;
  /** This side's address, on the veth: where the namespace reaches the hub. */
  hostAddress: string;
  /** The namespace's own address, as the hub sees its callers. */
  nsAddress: string;
  /** Runs a command inside the namespace and resolves with its stdout. */
  exec(command: string, args: string[], options?: { cwd?: string; timeoutMs?: number }): Promise<string>;
  /** Deletes the namespace, and with it the veth pair. Safe to call twice. */
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Creates the namespace, or returns why it cannot be done here. */
export function createNetworkNamespace(): NetworkNamespace | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `network namespaces are Linux only (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { unavailable: 'creating a network namespace needs root' };
  // Names are unique per test process; interface names may have at most 15 characters.
  const id = process.pid % 100_000;
  const name = `capsdash${id}`;
  const hostLink = `cdh${id}`;
  const nsLink = `cdn${id}`;
  const subnet = `10.213.${(process.pid % 200) + 20}`;
  const ns: NetworkNamespace = {
    name,
    hostAddress: `${subnet}.1`,
    nsAddress: `${subnet}.2`,
    async exec(command, args, options = {}) {
      const { stdout } = await run('ip', ['netns', 'exec', name, command, ...args], { cwd: options.cwd, timeout: options.timeoutMs ?? WAIT_MS });
      return stdout;
    },
    remove() {
      for (const args of [['netns', 'del', name], ['link', 'del', hostLink]]) {
        try {
          ip(...args);
        } catch {
          // Already gone: deleting the namespace deletes the veth pair too.
        }
      }
    },
  };
  try {
    ns.remove(); // leftovers of an earlier run that was killed
    ip('netns', 'add', name);
    ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink);
    ip('link', 'set', nsLink, 'netns', name);
    // No IPv6 link-local addresses: their duplicate-address detection ends a second or two after
    // the link comes up, and Chromium takes that change for a new network and aborts the page's
    // requests (net::ERR_NETWORK_CHANGED), which made the browser test fail about one run in ten.
    ip('link', 'set', hostLink, 'addrgenmode', 'none');
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsLink, 'addrgenmode', 'none');
    ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', hostLink);
    ip('link', 'set', hostLink, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${ns.nsAddress}/30`, 'dev', nsLink);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsLink, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    awaitCarrier(hostLink);
    return ns;
  } catch (err) {
    ns.remove();
    const e = err as Error & { stderr?: Buffer };
    return { unavailable: `could not create a network namespace: ${e.stderr?.toString().trim() || e.message}` };
  }
}

/**
 * Blocks until `link` reports its carrier (state UP), which a veth does shortly after both ends are
 * up: that is the last change the setup makes to the network, so a browser started afterwards sees
 * none. Polls the kernel's own answer, for at most five seconds.
 */
function awaitCarrier(link: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; tries < 250; tries++) {
    if (/\bstate UP\b/.test(ip('-o', 'link', 'show', 'dev', link))) return;
    Atomics.wait(pause, 0, 0, 20);
  }
  throw new Error(`${link} never came up`);
}
