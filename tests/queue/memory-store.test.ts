import { MemoryStore } from '../../src/queue/memory-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('memory', async (options) => ({ store: new MemoryStore(options), cleanup: async () => undefined }), {
  durable: false,
});
