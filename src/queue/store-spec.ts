/**
 * The grammar of a store's name, as `CAPS_STORE`, `npm run hub -- --store` and
 * `npm run simulate -- --store` take it: `memory`, or `lmdb:<dir>`. Everything that reads or
 * explains one uses this file, so the grammar is written once.
 */

/** A parsed store name. */
export type StoreSpec = { kind: 'memory' } | { kind: 'lmdb'; dir: string };

/** The grammar, for help texts and error messages. */
export const STORE_SPEC_GRAMMAR = 'memory or lmdb:<dir>';

const LMDB_PREFIX = 'lmdb:';

/** The store `text` names, or `undefined` if it names none. */
export function parseStoreSpec(text: string): StoreSpec | undefined {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith(LMDB_PREFIX) && text.length > LMDB_PREFIX.length) return { kind: 'lmdb', dir: text.slice(LMDB_PREFIX.length) };
  return undefined;
}

