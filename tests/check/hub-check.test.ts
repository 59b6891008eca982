/**
 * `check hub`: the lab's scenarios against student-written hubs (real processes) and our own hub.
 * Each wrong hub fails on the requirement its mistake breaks, with a reason a student can act on.
 */
import { createServer, type Socket as NetSocket } from 'node:net';
import { checkHub } from '../../src/check/check-hub';
import { setup, type TestContext } from '../helpers/setup';
import { detail, startStudentHub, verdicts } from './student-work';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** Generous: a hub on this machine answers in milliseconds; a wrong one fails only by waiting it out. */
const timeoutMs = 10_000;

describe('check hub', () => {
  it('passes a correct phase-2 hub, detecting its phase', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-phase2'), { timeoutMs });
    expect([card.phase, card.phaseSource]).toEqual([2, expect.stringContaining('detected: no queue')]);
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: true });
    expect(card.passed).toBe(true);
  });

  it('passes a correct phase-3 hub, detecting its phase', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-phase3'), { timeoutMs });
    expect(card.phase).toBe(3);
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: true, getAll: true, queue: true, received: true, catchUp: true });
    expect(card.passed).toBe(true);
  });

  it('passes our own hub on phase 3, and detects phase 3 (given a trailing /caps)', async () => {
    const hub = await t.hub();
    const card = await checkHub(`${hub.url}/caps`, { timeoutMs });
    expect(card.phase).toBe(3);
    expect(card.requirements.filter((r) => !r.passed)).toEqual([]);
  });

  it('passes our own hub on phase 2: its driver reports only the pickups it was handed', async () => {
    const hub = await t.hub();
    const card = await checkHub(hub.url, { timeoutMs, phase: 2 });
    expect(card.phase).toBe(2);
    expect(card.requirements.filter((r) => !r.passed)).toEqual([]);
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: true });
  });

  it('fails a hub without the /caps namespace on namespace', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-no-namespace'), { timeoutMs, phase: 2 });
    expect(verdicts(card).namespace).toBe(false);
    expect(detail(card, 'namespace')).toMatch(/has no \/caps namespace/);
    expect(card.passed).toBe(false);
  });

  it('fails a hub that never joins vendors to rooms on rooms, and still passes its relay', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-no-rooms'), { timeoutMs, phase: 2 });
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: false });
    expect(detail(card, 'rooms')).toMatch(/^no answer in 10 s: the vendor of check-\w+-a: in-transit for/);
  });

  it('fails a hub that relays to everyone on rooms: another store hears it', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-relays-to-everyone'), { timeoutMs, phase: 2 });
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: false });
    expect(detail(card, 'rooms')).toMatch(/the vendor of check-\w+-b also got in-transit for .*: another store's events must go to that store's room only/);
  });

  it('fails a hub that relays its log wrapper on relay, saying why a student sees undefined', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-wrapped-relay'), { timeoutMs, phase: 2 });
    expect(verdicts(card).relay).toBe(false);
    expect(detail(card, 'relay')).toMatch(/wrapped in \{ event, time, payload \}; a phase-2 client reading payload.orderId gets undefined/);
  });

  it('fails a phase-2 hub graded as phase 3 on every queue requirement', async () => {
    // Each of the four fails only by waiting its timeout out, so a short one; the others are not asserted.
    const card = await checkHub(await startStudentHub(t, 'hub-phase2'), { timeoutMs: 2000, phase: 3 });
    expect(verdicts(card)).toMatchObject({ getAll: false, queue: false, received: false, catchUp: false });
    expect(detail(card, 'getAll')).toMatch(/^no answer in 2 s: a driver that starts later: pickup for .* in answer to its getAll/);
  });

  it('fails a hub that ignores received on received only', async () => {
    const card = await checkHub(await startStudentHub(t, 'hub-ignores-received'), { timeoutMs, phase: 3 });
    expect(verdicts(card)).toEqual({ namespace: true, relay: true, rooms: true, getAll: true, queue: true, received: false, catchUp: true });
    expect(detail(card, 'received')).toMatch(/a second driver also got pickup for .*: pickup .* was acknowledged with received, and should have left the queue/);
  });

  it('fails every requirement of a hub that never answers, with "no answer in N s", instead of hanging', async () => {
    // Accepts connections and says nothing, as a hung process does.
    const held: NetSocket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.defer(() => new Promise((resolve) => (held.forEach((s) => s.destroy()), silent.close(resolve))));
    const { port } = silent.address() as { port: number };
    const card = await checkHub(`http://127.0.0.1:${port}`, { timeoutMs: 500, phase: 3 });
    expect(card.requirements.map((r) => r.detail)).toEqual(card.requirements.map(() => expect.stringMatching(/^no answer in 0.5 s: .* connecting$/)));
    expect(card.passed).toBe(false);
  });
});
