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

  it('reads layout 2, whose entries held their owners, and releases such an owner for good', async () => {
    const record = { ...message('driver', 'm1'), seq: 1, owner: 'driver-1' };
    const old = open({ path: dir, noSubdir: false });
    old.openDB({ name: 'entries', encoding: 'json' }).putSync(1, record);
    old.openDB({ name: 'meta' }).putSync('format', 2);
    await old.close();
    let store = await LmdbStore.open(dir, { dedupWindowMs: 1_000 });
    try {
      expect(await store.list('driver')).toEqual([record]);
      expect(await store.setOwner({ queueId: 'driver', messageId: 'm1' }, undefined)).toBe(true);
      await store.close();
      store = await LmdbStore.open(dir, { dedupWindowMs: 1_000 });
      expect(await store.list('driver')).toEqual([{ ...message('driver', 'm1'), seq: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('keeps a claim apart from its entry, and leaves no owner behind once the entry is gone', async () => {
    const store = await LmdbStore.open(dir, { dedupWindowMs: 1_000 });
    try {
      for (const id of ['acked', 'requeued', 'kept']) {
        await store.enqueue(message('driver', id));
        await store.setOwner({ queueId: 'driver', messageId: id }, `owner-of-${id}`);
      }
      await store.ack({ queueId: 'driver', messageId: 'acked' });
      await store.deadLetter({ queueId: 'driver', messageId: 'requeued' }, 'ttl');
      await store.requeue({ queueId: 'driver', messageId: 'requeued' });
    } finally {
      await store.close();
    }
    const raw = open({ path: dir, noSubdir: false });
    try {
      const owners = [...raw.openDB<string, number>({ name: 'owners', encoding: 'string' }).getRange()].map(({ value }) => value);
      expect(owners).toEqual(['owner-of-kept']);
      const entries = [...raw.openDB({ name: 'entries', encoding: 'json' }).getRange()].map(({ value }) => value as { owner?: string });
      expect(entries.every((e) => e.owner === undefined)).toBe(true);
    } finally {
      await raw.close();
    }
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
