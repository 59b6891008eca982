/**
 * The grammar of a store's name, as `CAPS_STORE`, `npm run hub -- --store` and
 * `npm run simulate -- --store` take it: `memory`, `lmdb:<dir>` or
 * `redis[s]://[[user][:password]@]host:port[/db]`. Everything that reads or explains one uses this
 * file, so the grammar is written once.
 *
 * A Redis name may carry credentials (Redis's `requirepass`, or an ACL user and its password),
 * percent-encoded as in any URL, and `rediss://` asks for TLS. A password is never written back:
 * {@link describeRedis} and {@link redactStoreName} put `***` in its place, for logs and errors.
 */

/** A Redis server and database, as `redis[s]://[[user][:password]@]host:port[/db]` names it. */
export interface RedisSpec {
  kind: 'redis';
  /** A name or address; an IPv6 address without its brackets. */
  host: string;
  port: number;
  /** The database number (`SELECT`); 0 when the name gives none. */
  db: number;
  /** An ACL user (Redis 6 and later), decoded; absent for the `default` user. */
  username?: string;
  /** The password (`AUTH`), decoded; absent when Redis asks for none. */
  password?: string;
  /** Whether the connection is made over TLS (`rediss://`); the server's certificate is checked against Node's trusted CAs. */
  tls?: boolean;
}

/** A parsed store name. */
export type StoreSpec = { kind: 'memory' } | { kind: 'lmdb'; dir: string } | RedisSpec;

/** The grammar, for help texts and error messages. */
export const STORE_SPEC_GRAMMAR = 'memory, lmdb:<dir> or redis[s]://[[user][:password]@]host:port[/db]';

const LMDB_PREFIX = 'lmdb:';
const REDIS_SCHEMES = new Set(['redis:', 'rediss:']);
/** What stands for a password in anything written out. */
const HIDDEN = '***';
/** A path of nothing, `/` or `/<db>`. */
const REDIS_DB_PATH = /^\/?(\d{1,9})?$/;

/** The store `text` names, or `undefined` if it names none. */
export function parseStoreSpec(text: string): StoreSpec | undefined {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith(LMDB_PREFIX) && text.length > LMDB_PREFIX.length) return { kind: 'lmdb', dir: text.slice(LMDB_PREFIX.length) };
  if (/^rediss?:\/\//.test(text)) return parseRedis(text);
  return undefined;
}

/** Credentials, `host:port` and the db, nothing else: a query or a fragment is not part of the grammar. */
function parseRedis(text: string): RedisSpec | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const db = REDIS_DB_PATH.exec(url.pathname);
  if (!REDIS_SCHEMES.has(url.protocol) || url.hostname === '' || url.port === '' || !db || url.search || url.hash) return undefined;
  const username = decode(url.username);
  const password = decode(url.password);
  if (username === null || password === null) return undefined;
  return {
    kind: 'redis',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port),
    db: Number(db[1] ?? 0),
    ...(username && { username }),
    ...(password && { password }),
    ...(url.protocol === 'rediss:' && { tls: true }),
  };
}

/** A URL's percent-encoded user or password, decoded; `null` for a malformed escape. */
function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** How a Redis spec is named in messages: `redis[s]://[user[:***]@]host:port/db`, never with its password. */
export function describeRedis(spec: RedisSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  const user = spec.username === undefined ? '' : encodeURIComponent(spec.username);
  const credentials = spec.password === undefined ? (user && `${user}@`) : `${user}:${HIDDEN}@`;
  return `${spec.tls ? 'rediss' : 'redis'}://${credentials}${host}:${spec.port}/${spec.db}`;
}

/**
 * A store name as it may be written to a log or an error: a Redis one with its password replaced
 * by `***`; anything else as it is, but for everything up to its last `@`, which may hold a
 * password in a name mistyped past parsing (`redis:/:pw@host`, ` redis://:pw@host`).
 */
export function redactStoreName(text: string): string {
  const spec = parseStoreSpec(text);
  if (spec?.kind === 'redis') return describeRedis(spec);
  return text.replace(/^.*@/s, `${HIDDEN}@`);
}
