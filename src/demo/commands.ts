/**
 * The processes `npm run demo` starts, as commands for concurrently. The clients are
 * `--controllable`, so that the dashboard can post orders and stop and restart them. With several
 * hubs (`--hubs N`, on Redis), each hub is a standby on a port of its own, and every client is
 * given every hub's address, so that it moves to whichever hub serves; with `--shared`, every hub
 * serves, and each client starts on the next hub in turn.
 */
import { spreadOver } from '../client/spread-hubs';
import { HUB_NODE_FLAGS } from '../hub/node-flags';

export const DEMO_STORES = ['acme-widgets', '1-800-flowers'] as const;
export const DEMO_DRIVERS = ['driver-1', 'driver-2'] as const;

// `exec` lets the process replace the shell, so that Ctrl-C reaches it and it exits cleanly.
const TS_NODE = 'exec ts-node -T';

export interface DemoSettings {
  /** The first hub's port; hub `i` (from 1) listens on `port + i - 1`. */
  port: number;
  /** How many hubs: 1, or several standbys sharing a Redis store. */
  hubs: number;
  /** Several hubs run as shared hubs (`--shared`), all serving, rather than standbys. */
  shared?: boolean;
  /** The hubs' `CAPS_STORE`, passed in their environment (never on a command line, where `ps` shows a password). */
  store: string;
  vendorIntervalMs: number;
  driverDelayMs: number;
}

export interface DemoCommand {
  name: string;
  command: string;
  env?: Record<string, string>;
}

/** `http://localhost:<port>` of each hub, in order. */
export function demoHubUrls(s: Pick<DemoSettings, 'port' | 'hubs'>): string[] {
  return Array.from({ length: s.hubs }, (_, i) => `http://localhost:${s.port + i}`);
}

/** The hubs' commands: one hub, or `hub-1` … `hub-N`, each a standby (or shared) with its own id and port. */
export function demoHubCommands(s: DemoSettings): DemoCommand[] {
  const hub = `exec node ${HUB_NODE_FLAGS.join(' ')} -r ts-node/register/transpile-only src/hub/main.ts`;
  if (s.hubs === 1) return [{ name: 'hub', command: `${hub} --port ${s.port}`, env: { CAPS_STORE: s.store } }];
  return Array.from({ length: s.hubs }, (_, i) => ({
    name: `hub-${i + 1}`,
    command: `${hub} --port ${s.port + i} ${s.shared ? '--shared' : '--standby'}`,
    env: { CAPS_STORE: s.store, CAPS_HUB_ID: `hub-${i + 1}` },
  }));
}

/**
 * The vendors' and drivers' commands, each given every hub: in order, or, for shared hubs, starting
 * with the next hub in turn, so that the clients are spread over them and orders cross hubs.
 */
export function demoClientCommands(s: DemoSettings): DemoCommand[] {
  const urls = demoHubUrls(s);
  const hubsFor = (i: number) => (s.shared ? spreadOver(urls, i) : urls).join(',');
  return [
    ...DEMO_STORES.map((store, i) => ({
      name: store,
      command: `${TS_NODE} src/vendor/main.ts --store ${store} --hub ${hubsFor(i)} --interval ${s.vendorIntervalMs} --controllable`,
    })),
    ...DEMO_DRIVERS.map((name, i) => ({
      name,
      command: `${TS_NODE} src/driver/main.ts --name ${name} --hub ${hubsFor(DEMO_STORES.length + i)} --delay ${s.driverDelayMs} --controllable`,
    })),
  ];
}
