/**
 * Every mistake gets an answer: each command, run as a user runs it, meets a typical mistake and
 * must say in one clear line what is wrong and exit 1 (the simulator: 2, "could not run"), with
 * no stack trace.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, Processes, type Proc } from '../helpers/processes';

const procs = new Processes();
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await procs.cleanup();
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Runs `npm run <script>` to its end: its exit code and its output. */
async function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string; proc: Proc }> {
  const proc = procs.start(script, script, args, env);
  const { code } = await proc.exited();
  return { code, output: proc.lines.join('\n'), proc };
}

const NO_STACK = /^\s+at /m;

it('the hub names a port in use, and a port out of range', async () => {
  const port = await freePort();
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, resolve));
  cleanups.push(() => blocker.close());
  const inUse = await run('hub', [], { PORT: String(port) });
  expect(inUse.code).toBe(1);
  expect(inUse.output).toContain(`port ${port} is in use; set PORT or --port`);
  expect(inUse.output).not.toMatch(NO_STACK);

  const tooHigh = await run('hub', [], { PORT: '70000' });
  expect(tooHigh.code).toBe(1);
  expect(tooHigh.output).toContain('PORT="70000": expected a whole number from 0 to 65535');
});

it('the vendor and the driver name a bad environment value in one line, without a stack', async () => {
  const [vendor, driver] = await Promise.all([run('vendor', [], { HUB_URL: 'ftp://nowhere' }), run('driver', [], { DRIVER_DELAY_MS: 'soon' })]);
  expect([vendor.code, driver.code]).toEqual([1, 1]);
  expect(vendor.proc.lines).toEqual([expect.stringMatching(/^caps-vendor: invalid environment: HUB_URL="ftp:\/\/nowhere": expected a hub address/)]);
  expect(driver.proc.lines).toEqual([expect.stringMatching(/^caps-driver: invalid environment: DRIVER_DELAY_MS="soon": expected a whole number/)]);
});

it('the hub says what is wrong with an lmdb directory it cannot use', async () => {
  const proc = await run('hub', [], { PORT: '0', CAPS_STORE: 'lmdb:/proc/x' });
  expect(proc.code).toBe(1);
  expect(proc.output).toContain('cannot use lmdb:/proc/x as the queue store: cannot create /proc/x (/proc does not take new directories)');

  // A read-only file system, which lmdb itself reports as ENOENT.
  const dir = mkdtempSync(join(tmpdir(), 'caps-ro-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => execFileSync('umount', [dir]));
  const readOnly = await run('hub', [], { PORT: '0', CAPS_STORE: `lmdb:${dir}/queues` });
  expect(readOnly.code).toBe(1);
  expect(readOnly.output).toContain(`cannot use lmdb:${dir}/queues as the queue store: cannot create ${dir}/queues (the file system is read-only)`);
  expect(readOnly.output).not.toMatch(/ENOENT|^\s+at /m);
});

it('the hub says in one line that it cannot reach its Redis', async () => {
  const port = await freePort(); // nothing listens there
  const proc = await run('hub', [], { PORT: '0', CAPS_STORE: `redis://127.0.0.1:${port}` });
  expect(proc.code).toBe(1);
  expect(proc.proc.matching(/^caps-hub: /)).toEqual([`caps-hub: cannot use redis://127.0.0.1:${port}/0 as the queue store: connect ECONNREFUSED 127.0.0.1:${port}`]);
  expect(proc.output).not.toMatch(NO_STACK);
});

it('--count -1 is refused in words that agree with --count 0, which posts nothing and listens', async () => {
  const refused = await run('vendor', ['--count', '-1']);
  expect(refused.code).toBe(1);
  expect(refused.output).toMatch(/--count <n>' argument '-1' is invalid. expected a whole number ≥ 0/);

  const port = await freePort();
  const hub = procs.start('hub', 'hub', [], { PORT: String(port) });
  await hub.line(/CAPS hub listening on/);
  // No scheme: taken as http.
  const listener = procs.start('vendor', 'vendor', ['--count', '0', '--hub', `localhost:${port}`]);
  await listener.line(/VENDOR: posting no orders \(--count 0\); listening for deliveries/);
  await listener.line(new RegExp(`VENDOR: acme-widgets connected to http://localhost:${port}$`));
  listener.signal('SIGINT');
  expect((await listener.exited()).code).toBe(0);
  expect(listener.matching(/posted|queued/)).toEqual([]);
});

it('the simulator exits 2 for a bad flag, as its documentation says', async () => {
  const { code, output } = await run('simulate', ['--orders', 'many']);
  expect(code).toBe(2);
  expect(output).toContain("option '--orders <n>' argument 'many' is invalid");
});
