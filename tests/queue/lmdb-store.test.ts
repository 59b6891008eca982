import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore, StoreFormatError } from '../../src/queue/lmdb-store';
import type { Durability } from '../../src/queue/store';
import { describeStoreContract, message } from './store-contract';

for (const durability of ['commit', 'flush'] satisfies Durability[]) {
  describeStoreContract(
    `lmdb, ${durability}`,
    async (options) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-lmdb-'));
      let store = await LmdbStore.open(dir, { ...options, durability });
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await LmdbStore.open(dir, { ...options, durability });
          return store;
        },
        cleanup: async () => {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    { durable: true },
  );
}

describe('lmdb store layout', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-lmdb-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a directory written by the earlier layout instead of misreading it', async () => {
    // The first layout kept bodies in `messages`, records in `entries` and no format mark.
    const old = open({ path: dir, noSubdir: false });
    old.openDB({ name: 'entries' }).putSync(['driver', 'm1'], { seq: 1 });
    old.openDB({ name: 'meta' }).putSync('lastSeq', 1);
    await old.close();
    await expect(LmdbStore.open(dir, { dedupWindowMs: 1_000 })).rejects.toBeInstanceOf(StoreFormatError);
  });
});

describe('lmdb store tombstones', () => {
  const windowMs = 60_000;
  let dir: string;
  let clock: number;
  let store: LmdbStore;
  const options = () => ({ dedupWindowMs: windowMs, now: () => clock });
  const key = (messageId: string) => ({ queueId: 'driver', messageId });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-lmdb-'));
    clock = 10 * windowMs;
    store = await LmdbStore.open(dir, options());
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Enqueues and acknowledges `id` now. */
  const ackNow = async (id: string) => {
    await store.enqueue(message('driver', id));
    await store.ack(key(id));
  };

  it('remembers recent acknowledgements across a reopen while its tombstone databases rotate and clear', async () => {
    // One acknowledgement in each of five generations: each rotation clears the database it reuses.
    for (let g = 0; g < 5; g++) {
      await ackNow(`g${g}`);
      clock += windowMs;
    }
    clock -= windowMs / 2; // half a window after the last one
    await store.close();
    store = await LmdbStore.open(dir, options());
    expect(await store.enqueue(message('driver', 'g4'))).toEqual({ status: 'duplicate' });
    for (const old of ['g0', 'g1', 'g2', 'g3']) expect((await store.enqueue(message('driver', old))).status).toBe('stored');
  });

  it('keeps on disk only the tombstones of the last generations', async () => {
    for (let g = 0; g < 6; g++) {
      for (let i = 0; i < 50; i++) await ackNow(`g${g}-${i}`);
      clock += windowMs;
    }
    await store.close();
    const root = open({ path: dir, noSubdir: false });
    const counts = [0, 1, 2].map((i) => root.openDB({ name: `acked-${i}` }).getKeysCount());
    await root.close();
    // Generations 3, 4 and 5 remain (50 each); 0, 1 and 2 were cleared when their databases came round.
    expect(counts.reduce((a, b) => a + b)).toBe(150);
  });
});
