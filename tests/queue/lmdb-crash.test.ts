/**
 * SIGKILLs a process in the middle of writing to an LMDB store (tests/fixtures/lmdb-writer.ts) and
 * checks the store it leaves: every change whose promise had resolved is there, `enqueue` with
 * `completes` happened whole or not at all, and nothing is half-written or out of order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { LmdbStore } from '../../src/queue/lmdb-store';
import type { StoredMessage } from '../../src/queue/store';
import { DEDUP_WINDOW_MS } from '../fixtures/lmdb-writer';
import { message } from './store-contract';

const ROOT = path.resolve(__dirname, '../..');
/** Stored lines to wait for before the kill. */
const KILL_AFTER = 2_000;

interface Report {
  /** i → seq, for every `stored` line. */
  stored: Map<number, number>;
  acked: Set<number>;
  delivered: Set<number>;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the writer on `dir` and SIGKILLs it once it has reported `KILL_AFTER` stored messages. */
function runAndKill(dir: string, track: (child: ChildProcess) => void): Promise<Report> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tests/fixtures/lmdb-writer.ts', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const report: Report = { stored: new Map(), acked: new Set(), delivered: new Set(), signal: null, stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (report.stderr += chunk.toString()));
  // Lines that arrive after the kill still count: each was printed after its promise resolved.
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [what, i, seq] = line.split(' ');
    if (what === 'stored') report.stored.set(Number(i), Number(seq));
    else if (what === 'acked') report.acked.add(Number(i));
    else if (what === 'delivered') report.delivered.add(Number(i));
    else throw new Error(`unexpected line from the writer: ${line}`);
    if (report.stored.size === KILL_AFTER) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ ...report, signal }));
  });
}

describe('lmdb store: SIGKILL mid-stream', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let store: LmdbStore | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-lmdb-crash-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every resolved change, whole and in order', async () => {
    const report = await runAndKill(dir, (c) => (child = c));
    expect({ signal: report.signal, stderr: report.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    expect(report.stored.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(report.acked.size).toBeGreaterThan(0);
    expect(report.delivered.size).toBeGreaterThan(0);

    store = await LmdbStore.open(dir, { dedupWindowMs: DEDUP_WINDOW_MS });
    const pickups = await store.list('driver');
    const notices = await store.list('acme-widgets');

    // Nothing half-written, and each queue in seq order; pickups were enqueued in order of i.
    for (const entry of [...pickups, ...notices]) expect(entry).toEqual({ ...message(entry.queueId, entry.messageId), seq: entry.seq });
    const seqs = (entries: StoredMessage[]) => entries.map((m) => m.seq);
    expect(seqs(pickups)).toEqual([...seqs(pickups)].sort((a, b) => a - b));
    expect(seqs(notices)).toEqual([...seqs(notices)].sort((a, b) => a - b));
    const indexes = pickups.map((m) => Number(m.messageId.slice(1)));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));

    const pickupSeq = new Map(pickups.map((m) => [m.messageId, m.seq]));
    const noticed = new Set(notices.map((m) => m.messageId));
    const wrong: string[] = [];
    for (const [i, seq] of report.stored) {
      const id = `m${i}`;
      const where = pickupSeq.has(id) ? (noticed.has(id) ? 'both' : 'driver') : noticed.has(id) ? 'notice' : 'gone';
      // What the writer reported is there; a change it had not reported yet may be there too.
      const allowed =
        i % 3 === 2 ? ['driver']
        : i % 3 === 0 ? (report.acked.has(i) ? ['gone'] : ['driver', 'gone'])
        : report.delivered.has(i) ? ['notice']
        : ['driver', 'notice'];
      if (!allowed.includes(where)) wrong.push(`${id} is ${where}, expected ${allowed.join(' or ')}`);
      if (pickupSeq.has(id) && pickupSeq.get(id) !== seq) wrong.push(`${id} has seq ${pickupSeq.get(id)}, reported ${seq}`);
      // An acknowledged or completed pickup is still a duplicate after the restart.
      if (!pickupSeq.has(id) && (await store.enqueue(message('driver', id))).status !== 'duplicate') wrong.push(`${id} is not a duplicate`);
    }
    expect(wrong).toEqual([]);
  });
});
