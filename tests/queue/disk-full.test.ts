/**
 * A full disk under a real hub's lmdb store: a small tmpfs the test mounts (as root; the test says
 * why it skips if it cannot mount). Writes are answered `unavailable`, the hub stays up and keeps
 * serving reads; once there is space again it takes writes, and after a restart nothing it
 * acknowledged is lost and a driver's first claim works. Shut down while the disk is still full,
 * the hub closes its store and says it stopped cleanly; restarted on the still-full disk, it
 * serves, and a driver's first claim is answered (it used to crash the hub again).
 *
 * The hub runs as a process of its own (`npm run hub`), as in production. In the jest process it
 * would share lmdb-js with the other test files: lmdb-js runs every store of a process through the
 * first copy of itself that was loaded, and logs each failed commit with that copy's `console.error`,
 * which belongs to whichever test file loaded it first and may have ended ("Cannot log after tests
 * are done").
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { LmdbStore } from '../../src/queue/lmdb-store';
import { Processes, type Proc } from '../helpers/processes';
import { connectCaps } from '../../src/client/connect';
import { setup, testCredential, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
const procs = new Processes();
beforeEach(async () => (t = await setup()));
afterEach(async () => {
  // The hubs first: a tmpfs that a process still holds open cannot be unmounted. Each test stops
  // its hubs itself, with SIGINT: `procs.cleanup` SIGKILLs a process group and sees npm exit, and
  // the hub beneath it may not have let go of the disk by then.
  await procs.cleanup();
  await t.cleanup();
});

/** Mounts a tmpfs of `size` on a fresh directory, unmounted in cleanup; `undefined` (and why, printed) if it cannot. */
function smallDisk(size: string): string | undefined {
  const dir = join(t.tempDir(), 'disk');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    console.log(`disk-full test skipped: cannot mount a tmpfs here (${String((err as Error).message).trim()})`);
    return undefined;
  }
  t.defer(() => execFileSync('umount', [dir]));
  return dir;
}

const pickup = (id: string) => ({ messageId: id, order: { store: 'acme-widgets', orderId: id, customer: 'C'.repeat(200), address: 'A'.repeat(500) } });
type Answer = { ok: boolean; error?: { code: string } };

/** Starts `npm run hub` on the lmdb store in `dir`; resolves with the process and its URL once it listens. */
async function startHub(dir: string): Promise<{ hub: Proc; url: string }> {
  const hub = procs.start('hub', 'hub', [], { PORT: '0', CAPS_STORE: `lmdb:${dir}` });
  const listening = await hub.line(/CAPS hub listening on http:\S+\/caps/);
  return { hub, url: /CAPS hub listening on (http:\S+)\/caps/.exec(listening)![1]! };
}

/** Stops the hub as Ctrl-C does, and expects it to close its store and exit 0. */
async function stopHub(hub: Proc): Promise<void> {
  hub.signal('SIGINT');
  await hub.line(/stopped cleanly/);
  expect(await hub.exited()).toEqual({ code: 0, signal: null });
  // Every failure the store met was answered, none reached the hub as a bug.
  expect(hub.matching(/unhandled rejection/)).toEqual([]);
}

/**
 * A hub on the lmdb store in a 1 MB tmpfs, and a classroom vendor that has sent it pickups until it
 * refused one as `unavailable`: the ones it acknowledged before, and that one. `undefined` if no
 * tmpfs could be mounted.
 */
async function hubOnFullDisk() {
  const disk = smallDisk('1m');
  if (!disk) return undefined;
  const dir = join(disk, 'queue');
  const { hub, url } = await startHub(dir);
  const vendor = t.labClient(url);
  await waitFor(vendor, 'connect');
  const acknowledged: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const answer = (await vendor.emitWithAck('pickup', pickup(`p${i}`))) as Answer;
    if (answer.ok) acknowledged.push(`p${i}`);
    else if (answer.error?.code === 'unavailable') return { disk, dir, hub, url, vendor, acknowledged, refused: `p${i}` };
    else throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  }
  throw new Error(`the disk never filled: ${acknowledged.length} pickups acknowledged`);
}

/** The message ids the store in `dir` holds for drivers, read with no hub running. */
async function storedPickups(dir: string): Promise<string[]> {
  const store = await LmdbStore.open(dir, { dedupWindowMs: DEFAULT_HUB_CONFIG.delivery.dedupWindowMs });
  try {
    return (await store.list('driver')).map((m) => m.messageId);
  } finally {
    await store.close();
  }
}

it('answers unavailable on a full disk, stays up, and after space returns and a restart loses nothing acknowledged', async () => {
  const full = await hubOnFullDisk();
  if (!full) return;
  const { disk, dir, hub, url, vendor, acknowledged, refused } = full;
  expect(acknowledged.length).toBeGreaterThan(0);

  // Still full: refused again, while the hub is up and counts only what it acknowledged.
  expect(await vendor.emitWithAck('pickup', pickup(refused))).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const { hub: hubId } = (await health.json()) as { hub: string };
  expect(await (await fetch(`${url}/metrics`)).text()).toContain(`caps_queue_depth{queue="driver",hub="${hubId}"} ${acknowledged.length}\n`);

  // Space returns: the same hub takes the refused pickup when it is sent again.
  execFileSync('mount', ['-o', 'remount,size=16m', disk]);
  expect(await vendor.emitWithAck('pickup', pickup(refused))).toMatchObject({ ok: true, duplicate: false });
  acknowledged.push(refused);
  vendor.disconnect();
  await stopHub(hub);

  // Every acknowledged pickup is on disk, and nothing else; a restarted hub hands one to a driver.
  expect(await storedPickups(dir)).toEqual(acknowledged);
  const again = await startHub(dir);
  const driver = t.driver(again.url, 'driver-1');
  const [first] = await waitFor(driver, 'delivered');
  expect(acknowledged).toContain(first.messageId);
  await stopHub(again.hub);
});

it('shuts down cleanly while the disk is still full, and keeps every acknowledged pickup', async () => {
  const full = await hubOnFullDisk();
  if (!full) return;
  const { disk, dir, hub, vendor, acknowledged } = full;
  vendor.disconnect();

  // The last commit failed and the disk is full: the store still closes.
  await stopHub(hub);

  execFileSync('mount', ['-o', 'remount,size=16m', disk]);
  expect(await storedPickups(dir)).toEqual(acknowledged);
});

it('restarted on a disk that is still full, serves: pickups are unavailable, a driver\'s first claim is answered, nothing acknowledged is lost', async () => {
  const full = await hubOnFullDisk();
  if (!full) return;
  const { disk, dir, hub, vendor, acknowledged, refused } = full;
  vendor.disconnect();
  await stopHub(hub);

  const again = await startHub(dir);
  const labVendor = t.labClient(again.url);
  await waitFor(labVendor, 'connect');
  expect(await labVendor.emitWithAck('pickup', pickup(refused))).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  const driver = connectCaps(again.url, { role: 'driver', clientId: 'driver-1', prefetch: 1 }, testCredential);
  t.defer(() => driver.disconnect());
  const [first] = await waitFor<[{ messageId: string }]>(driver, 'pickup');
  // Whether lmdb finds room for a claim's small record on the full disk depends on its free pages:
  // either answer is right. The bug was no answer at all: the hub crashed.
  const answer = (await driver.emitWithAck('claim', { messageId: first.messageId })) as Answer;
  expect(answer.ok ? 'ok' : answer.error?.code).toMatch(/^(ok|unavailable)$/);
  expect((await fetch(`${again.url}/healthz`)).status).toBe(200);

  // Space returns: the claim is stored, and the pickup is the driver's to deliver.
  execFileSync('mount', ['-o', 'remount,size=16m', disk]);
  expect(await driver.emitWithAck('claim', { messageId: first.messageId })).toEqual({ ok: true });
  driver.disconnect();
  labVendor.disconnect();
  await stopHub(again.hub);
  expect(await storedPickups(dir)).toEqual(acknowledged);
});
