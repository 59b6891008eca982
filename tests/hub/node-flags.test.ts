/** Every way of starting a hub uses the hub's V8 flags (src/hub/node-flags.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoHubCommands } from '../../src/demo/commands';
import { HUB_NODE_FLAGS } from '../../src/hub/node-flags';

it('npm run hub and the demo start the hub with HUB_NODE_FLAGS', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const settings = { port: 3000, store: 'redis://127.0.0.1:6379', vendorIntervalMs: 1, driverDelayMs: 1 };
  const demoHubs = [...demoHubCommands({ ...settings, hubs: 1 }), ...demoHubCommands({ ...settings, hubs: 3 })];
  expect(demoHubs.map((hub) => hub.name)).toEqual(['hub', 'hub-1', 'hub-2', 'hub-3']);
  for (const flag of HUB_NODE_FLAGS) {
    expect(pkg.scripts.hub).toContain(flag);
    for (const hub of demoHubs) expect(hub.command).toContain(flag);
  }
});
