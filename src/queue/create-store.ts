/**
 * Picks the queue store named by `CAPS_STORE`: `memory` (the default) or `lmdb:<dir>`.
 * The lmdb driver is loaded only when it is chosen.
 */
import { MemoryStore } from './memory-store';
import type { QueueStore, StoreOptions } from './store';

/** Thrown for a `CAPS_STORE` value no store answers to. */
export class UnknownStoreError extends Error {
  override readonly name = 'UnknownStoreError';
}

/** Opens the store `spec` names. The caller owns it and must `close` it. */
export async function createStore(spec: string, options: StoreOptions): Promise<QueueStore> {
  if (spec === 'memory') return new MemoryStore(options);
  if (spec.startsWith('lmdb:') && spec.length > 'lmdb:'.length) {
    // Loaded here, not at the top, so that a hub on the memory store never loads the native addon.
    const { LmdbStore } = require('./lmdb-store') as typeof import('./lmdb-store');
    return LmdbStore.open(spec.slice('lmdb:'.length), options);
  }
  throw new UnknownStoreError(`unknown store "${spec}": use memory or lmdb:<dir>`);
}
