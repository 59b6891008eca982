/**
 * The grammar of a store's name, as `CAPS_STORE`, `npm run hub -- --store` and
 * `npm run simulate -- --store` take it: `memory`, `lmdb:<dir>` or `redis://host:port[/db]`.
 * Everything that reads or explains one uses this file, so the grammar is written once.
 */

/** A Redis server and database, as `redis://host:port[/db]` names it. */
export interface RedisSpec {
  kind: 'redis';
  /** A name or address; an IPv6 address without its brackets. */
  host: string;
  port: number;
  /** The database number (`SELECT`); 0 when the name gives none. */
  db: number;
}

/** A parsed store name. */
export type StoreSpec = { kind: 'memory' } | { kind: 'lmdb'; dir: string } | RedisSpec;

/** The grammar, for help texts and error messages. */
export const STORE_SPEC_GRAMMAR = 'memory, lmdb:<dir> or redis://host:port[/db]';

const LMDB_PREFIX = 'lmdb:';
const REDIS_PREFIX = 'redis://';
/** A path of nothing, `/` or `/<db>`. */
const REDIS_DB_PATH = /^\/?(\d{1,9})?$/;

/** The store `text` names, or `undefined` if it names none. */
export function parseStoreSpec(text: string): StoreSpec | undefined {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith(LMDB_PREFIX) && text.length > LMDB_PREFIX.length) return { kind: 'lmdb', dir: text.slice(LMDB_PREFIX.length) };
  if (text.startsWith(REDIS_PREFIX)) return parseRedis(text);
  return undefined;
}

/** `host:port` and the db, nothing else: credentials, a query or a fragment are not part of the grammar. */
function parseRedis(text: string): RedisSpec | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const db = REDIS_DB_PATH.exec(url.pathname);
  if (url.hostname === '' || url.port === '' || !db || url.username || url.password || url.search || url.hash) return undefined;
  return { kind: 'redis', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port), db: Number(db[1] ?? 0) };
}

/** How a Redis spec is named in messages: `redis://host:port/db`. */
export function describeRedis(spec: RedisSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${REDIS_PREFIX}${host}:${spec.port}/${spec.db}`;
}
