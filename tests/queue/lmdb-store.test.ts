import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore, StoreFormatError } from '../../src/queue/lmdb-store';
import type { Durability } from '../../src/queue/store';
import { describeStoreContract } from './store-contract';

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
