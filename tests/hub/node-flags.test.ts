/** Every way of starting a hub uses the hub's V8 flags (src/hub/node-flags.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoCommands } from '../../src/demo/commands';
import { HUB_NODE_FLAGS } from '../../src/hub/node-flags';

it('npm run hub and the demo start the hub with HUB_NODE_FLAGS', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const demoHub = demoCommands({ port: 3000, hubUrl: 'http://localhost:3000', vendorIntervalMs: 1, driverDelayMs: 1 }).find((c) => c.name === 'hub')!;
  for (const flag of HUB_NODE_FLAGS) {
    expect(pkg.scripts.hub).toContain(flag);
    expect(demoHub.command).toContain(flag);
  }
});
