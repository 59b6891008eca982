/** `npm run demo`'s commands (src/demo/commands.ts): standbys given every hub in order; shared hubs with the clients spread over them. */
import { demoClientCommands, demoHubCommands } from '../../src/demo/commands';

const settings = { port: 4000, hubs: 3, store: 'redis://127.0.0.1:6379', vendorIntervalMs: 3000, driverDelayMs: 1000 };
const hubsOf = (command: string) => /--hub (\S+)/.exec(command)![1]!.split(',');

it('runs standbys by default, every client starting on the first hub', () => {
  expect(demoHubCommands(settings).map((c) => c.command.split(' ').slice(-3).join(' '))).toEqual(['--port 4000 --standby', '--port 4001 --standby', '--port 4002 --standby']);
  expect(new Set(demoClientCommands(settings).map((c) => hubsOf(c.command)[0]))).toEqual(new Set(['http://localhost:4000']));
});

it('runs shared hubs with --shared, the clients starting on each hub in turn, each given all three', () => {
  const shared = { ...settings, shared: true };
  expect(demoHubCommands(shared).every((c) => c.command.endsWith('--shared'))).toBe(true);
  const clients = demoClientCommands(shared).map((c) => [c.name, hubsOf(c.command)] as const);
  expect(clients.map(([name, hubs]) => [name, hubs[0]])).toEqual([
    ['acme-widgets', 'http://localhost:4000'],
    ['1-800-flowers', 'http://localhost:4001'],
    ['driver-1', 'http://localhost:4002'],
    ['driver-2', 'http://localhost:4000'],
  ]);
  for (const [, hubs] of clients) expect([...hubs].sort()).toEqual(['http://localhost:4000', 'http://localhost:4001', 'http://localhost:4002']);
});
