/**
 * The processes `npm run demo` starts, as commands for concurrently. The clients are
 * `--controllable`, so that the dashboard can post orders and stop and restart them.
 */
import { HUB_NODE_FLAGS } from '../hub/node-flags';

export const DEMO_STORES = ['acme-widgets', '1-800-flowers'] as const;
export const DEMO_DRIVERS = ['driver-1', 'driver-2'] as const;

// `exec` lets the process replace the shell, so that Ctrl-C reaches it and it exits cleanly.
const TS_NODE = 'exec ts-node -T';

export interface DemoSettings {
  port: number;
  hubUrl: string;
  vendorIntervalMs: number;
  driverDelayMs: number;
}

export function demoCommands(s: DemoSettings): { name: string; command: string }[] {
  return [
    { name: 'hub', command: `exec node ${HUB_NODE_FLAGS.join(' ')} -r ts-node/register/transpile-only src/hub/main.ts --port ${s.port}` },
    ...DEMO_STORES.map((store) => ({
      name: store,
      command: `${TS_NODE} src/vendor/main.ts --store ${store} --hub ${s.hubUrl} --interval ${s.vendorIntervalMs} --controllable`,
    })),
    ...DEMO_DRIVERS.map((name) => ({
      name,
      command: `${TS_NODE} src/driver/main.ts --name ${name} --hub ${s.hubUrl} --delay ${s.driverDelayMs} --controllable`,
    })),
  ];
}
