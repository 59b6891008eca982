import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LmdbStore } from '../../src/queue/lmdb-store';
import { describeStoreContract } from './store-contract';

describeStoreContract(
  'lmdb',
  async (options) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-lmdb-'));
    let store = await LmdbStore.open(dir, options);
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await LmdbStore.open(dir, options);
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
