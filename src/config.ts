/**
 * The one place CAPS reads its environment. Every variable is validated here, once, and merged over
 * the defaults below; the rest of the code receives a fully filled, typed object.
 * `.env.example` documents each variable with its default; keep the two in step.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { readProxyItem } from './edge/proxy-list';
import type { Durability } from './queue/store';
import { parseStoreSpec, redactStoreName, STORE_SPEC_GRAMMAR } from './queue/store-spec';
import { DEFAULT_LEASE_MS as DEFAULT_WRITER_LEASE_MS } from './queue/redis/writer-lease';

/** A whole number from the environment, with a floor (and a ceiling). */
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => {
  const expected = { error: max === Number.MAX_SAFE_INTEGER ? `expected a whole number ≥ ${min}` : `expected a whole number from ${min} to ${max}` };
  return z.coerce.number(expected).int(expected).min(min, expected).max(max, expected).default(fallback);
};

/**
 * A hub's address as our clients take it, or `undefined` if it is not one. An address without a
 * scheme (`localhost:4102`) means http. Only the origin counts: clients add `/caps` themselves.
 */
export function normaliseHubUrl(text: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  if (!URL.canParse(withScheme)) return undefined;
  const url = new URL(withScheme);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  return url.origin;
}

/** What {@link normaliseHubUrl} accepts, for error messages. */
const HUB_URL_GRAMMAR = 'a hub address such as http://localhost:3000 or localhost:3000';

/**
 * A list of hubs, `http://a:3000,b:3000`: each item as {@link normaliseHubUrl} takes it, blanks
 * around items ignored, a hub named twice kept once. Our clients connect to the first and fail over
 * to the next (client/hub-link.ts). The first item that is not a hub address is returned as `bad`.
 */
export function parseHubUrls(text: string): { urls: string[] } | { bad: string } {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const urls = new Set<string>();
  for (const item of items) {
    const url = normaliseHubUrl(item);
    if (url === undefined) return { bad: item };
    urls.add(url);
  }
  return urls.size > 0 ? { urls: [...urls] } : { bad: text };
}

/** Why {@link parseHubUrls} refused `bad`, for error messages. */
export function badHubUrl(bad: string): string {
  return `expected ${HUB_URL_GRAMMAR}, or several separated by commas; ${JSON.stringify(bad)} is not one`;
}

/** A comma-separated list; blanks around items are ignored. */
const list = () =>
  z
    .string()
    .default('')
    .transform((text) => text.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== ''));

/**
 * `TRUSTED_PROXIES`: a {@link list} of IP addresses and ranges, IPv4 or IPv6 (edge/proxy-list.ts).
 * The first item that is not one is refused, by name, so that a typo cannot quietly leave a proxy
 * untrusted.
 */
const addresses = () =>
  list().superRefine((items, ctx) => {
    for (const item of items) {
      const read = readProxyItem(item);
      if (read.ok) continue;
      ctx.addIssue({ code: 'custom', message: `expected IP addresses or ranges separated by commas (10.0.0.5, fd00::5, 10.0.0.0/24); ${JSON.stringify(item)}: ${read.why}` });
      return;
    }
  });

/** Where our vendor keeps its journal across restarts, unless CAPS_STATE_DIR says otherwise. */
export const DEFAULT_STATE_DIR = join(homedir(), '.local', 'state', 'caps');

/** Where the hub keeps the secret it signs tokens with, unless CAPS_SECRET_FILE says otherwise. */
export const DEFAULT_SECRET_FILE = join(homedir(), '.config', 'caps', 'secret');

/** The secret, given directly or in a file; shared by the hub and our clients on its machine. */
const secretEnv = {
  CAPS_SECRET: z.string().min(32, 'at least 32 characters (HS256 needs a 256-bit key)').optional(),
  CAPS_SECRET_FILE: z.string().default(DEFAULT_SECRET_FILE),
};

const hubEnvSchema = z.object({
  PORT: int(3000, 0, 65_535),
  HOST: z.string().optional(),
  CAPS_HUB_ID: z.string().optional(),
  LOG_FORMAT: z.enum(['pretty', 'json']).default('pretty'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  CAPS_STORE: z
    .string()
    .refine((text) => parseStoreSpec(text) !== undefined, `expected ${STORE_SPEC_GRAMMAR}`)
    .default('memory'),
  CAPS_REDIS_PREFIX: z.string().default('caps:'),
  CAPS_REDIS_LEASE_MS: int(DEFAULT_WRITER_LEASE_MS, 1_000),
  CAPS_STANDBY: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  CAPS_SHARED: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  STORE_DURABILITY: z.enum(['commit', 'flush']).default('commit'),
  ACK_TIMEOUT_MS: int(10_000, 1),
  LEASE_MS: int(30_000, 1),
  MAX_ATTEMPTS: int(5, 1),
  DEDUP_WINDOW_MS: int(120_000),
  MAX_QUEUE_LENGTH: int(250_000, 1),
  MAX_TOTAL_MESSAGES: int(1_000_000, 1),
  MAX_QUEUES: int(10_000, 1),
  SUSPECT_AFTER_TIMEOUTS: int(3, 1),
  SUSPECT_PROBATION_MS: int(30_000, 1),
  MAX_ROOMS_PER_SOCKET: int(20, 1),
  MESSAGE_TTL_MS: int(0),
  PREFETCH: int(100, 1),
  VENDOR_PREFETCH: int(500, 1),
  RECOVERY_WINDOW_MS: int(120_000),
  LAB_DRIVER_GUESS_MS: int(2000, 1),
  DASHBOARD_TOKEN: z.string().default(''),
  DASHBOARD_WATCH: z.enum(['token', 'open']).default('token'),
  ...secretEnv,
  CLASSROOM: z.enum(['local', 'open']).default('local'),
  ALLOWED_HOSTS: list(),
  ALLOWED_ORIGINS: list(),
  MAX_CONNECTIONS: int(20_000, 1),
  MAX_CONNECTIONS_PER_ADDRESS: int(100, 1),
  TRUSTED_PROXIES: addresses(),
});

/**
 * The hub's variables, and what holds between them: a standby waits for a Redis writer lease,
 * shared hubs share a Redis prefix, and a hub is one or the other.
 */
const hubSettingsSchema = hubEnvSchema.superRefine((env, ctx) => {
  const onRedis = parseStoreSpec(env.CAPS_STORE)?.kind === 'redis';
  if (env.CAPS_SHARED === 'true' && env.CAPS_STANDBY === 'true') {
    ctx.addIssue({ code: 'custom', path: ['CAPS_SHARED'], message: 'a hub is either shared (--shared: every hub serves) or a standby (--standby: one hub serves), not both' });
  }
  if (env.CAPS_SHARED === 'true' && !onRedis) {
    ctx.addIssue({
      code: 'custom',
      path: ['CAPS_SHARED'],
      message: `shared hubs (--shared) serve the queues of one Redis prefix together, so they need CAPS_STORE=redis[s]://[[user][:password]@]host:port[/db]; CAPS_STORE is ${JSON.stringify(redactStoreName(env.CAPS_STORE))}`,
    });
  }
  if (env.CAPS_STANDBY === 'false' || onRedis) return;
  ctx.addIssue({
    code: 'custom',
    path: ['CAPS_STANDBY'],
    message: `a standby hub (--standby) waits for the writer lease of a Redis prefix, so it needs CAPS_STORE=redis[s]://[[user][:password]@]host:port[/db]; CAPS_STORE is ${JSON.stringify(redactStoreName(env.CAPS_STORE))}`,
  });
});

const clientEnvSchema = z.object({
  HUB_URL: z
    .string()
    .transform((text, ctx) => {
      const parsed = parseHubUrls(text);
      if ('urls' in parsed) return parsed.urls;
      ctx.addIssue({ code: 'custom', message: badHubUrl(parsed.bad) });
      return z.NEVER;
    })
    .default(['http://localhost:3000']),
  STORE_NAME: z.string().default('acme-widgets'),
  DRIVER_NAME: z.string().default('driver-1'),
  VENDOR_INTERVAL_MS: int(3000, 1),
  DRIVER_DELAY_MS: int(1000),
  LOG_FORMAT: hubEnvSchema.shape.LOG_FORMAT,
  LOG_LEVEL: hubEnvSchema.shape.LOG_LEVEL,
  ...secretEnv,
  CAPS_TOKEN: z.string().optional(),
  CAPS_STATE_DIR: z.string().default(DEFAULT_STATE_DIR),
});

export type LogFormat = z.output<typeof hubEnvSchema>['LOG_FORMAT'];
export type LogLevel = z.output<typeof hubEnvSchema>['LOG_LEVEL'];
export type DashboardWatch = z.output<typeof hubEnvSchema>['DASHBOARD_WATCH'];

/** Everything the hub needs, with every default filled in. */
export interface HubConfig {
  /** `PORT`: where the hub listens; 0 picks a free port (the tests use it). */
  port: number;
  /** `HOST`: the address to bind; unset binds every interface. */
  host: string | undefined;
  /**
   * `CAPS_HUB_ID`: the name this hub goes by among several, as label `hub` on every metric and in
   * `/healthz`; unset means `<hostname>:<port>`, with the port it listens on.
   */
  hubId: string | undefined;
  log: { format: LogFormat; level: LogLevel };
  /** `CAPS_STORE`: `memory` (the default), `lmdb:<dir>` or `redis[s]://[[user][:password]@]host:port[/db]`. */
  store: string;
  /**
   * `CAPS_REDIS_PREFIX`: what the Redis store puts before each of its keys. One hub writes under a
   * prefix at a time; another CAPS on the same Redis takes another prefix.
   */
  redisPrefix: string;
  /**
   * `CAPS_REDIS_LEASE_MS`: how long the Redis writer lease runs unless renewed (every third of it).
   * A killed hub's standby takes over once it has run out; a hub paused for longer loses it.
   */
  redisLeaseMs: number;
  /**
   * `CAPS_STANDBY` (`--standby`): on a Redis prefix whose writer lease another hub holds, wait for
   * it and take over (docs/scaling.md, "Hot standby"), rather than stop. Only with the Redis store.
   */
  standby: boolean;
  /**
   * `CAPS_SHARED` (`--shared`): serve the queues of the Redis prefix side by side with every other
   * hub started so, Redis holding every queue's live state (docs/scaling.md, "Several active
   * hubs"). Only with the Redis store; not with `standby`.
   */
  shared: boolean;
  /** `STORE_DURABILITY`: what a durable store waits for before a change counts (store.ts, `Durability`). */
  durability: Durability;
  delivery: DeliveryPolicy;
  /** `RECOVERY_WINDOW_MS`: how long Socket.IO keeps a dropped socket's rooms for a quick reconnect. */
  recoveryWindowMs: number;
  /**
   * `LAB_DRIVER_GUESS_MS`: a classroom client that says nothing for this long after connecting is
   * taken for a driver. Lab drivers announce themselves only once, at start-up, so one that
   * reconnects to a restarted hub would otherwise never be sent a pickup again.
   */
  labDriverGuessMs: number;
  /** `MAX_ROOMS_PER_SOCKET`: stores one connection may `join`; past it, `limit_reached`. */
  maxRoomsPerSocket: number;
  /** `DASHBOARD_TOKEN`: lets non-loopback callers use the dashboard's controls; empty means loopback only. */
  dashboardToken: string;
  /**
   * `DASHBOARD_WATCH`: who off the hub's machine may watch the dashboard without the token:
   * `token` (nobody) or `open` (anyone, with customers' names and addresses hidden).
   */
  dashboardWatch: DashboardWatch;
  /** Who may connect, and how many: docs/security.md. */
  trust: TrustPolicy;
}

/** Where the secret that signs tokens comes from (auth/secret.ts). */
export interface SecretSource {
  /** `CAPS_SECRET`: the secret itself, for hubs on several machines; unset reads or creates the file. */
  secret: string | undefined;
  /** `CAPS_SECRET_FILE`: where the secret is kept (mode 0600); the hub creates it on first start. */
  secretFile: string;
}

/** The hub's edge: identities, names, origins and connection limits (docs/security.md). */
export interface TrustPolicy extends SecretSource {
  /**
   * `CLASSROOM`: `local` lets clients with no token connect from this machine only; `open` lets
   * them in from any address, with the lab's powers (the hub warns what that exposes).
   */
  classroom: 'local' | 'open';
  /** `ALLOWED_HOSTS`: names besides localhost, this machine's name and IP addresses that `Host` may carry. */
  allowedHosts: string[];
  /** `ALLOWED_ORIGINS`: web origins besides the hub's own whose pages may connect (`https://app.example`). */
  allowedOrigins: string[];
  /** `MAX_CONNECTIONS`: Socket.IO connections the hub holds at once, from everyone. */
  maxConnections: number;
  /** `MAX_CONNECTIONS_PER_ADDRESS`: connections from one address not on this machine. */
  maxConnectionsPerAddress: number;
  /**
   * `TRUSTED_PROXIES`: addresses, or ranges, of proxies on other machines (a load balancer) whose
   * `X-Forwarded-For` the hub believes, as a loopback proxy's is (edge/caller.ts). Empty: none.
   */
  trustedProxies: string[];
}

/** How the hub delivers queued messages. */
export interface DeliveryPolicy {
  /** `ACK_TIMEOUT_MS`: how long a pushed message waits for its ack before it is redelivered. */
  ackTimeoutMs: number;
  /** `LEASE_MS`: how long a driver may hold a claimed pickup without reporting it delivered. */
  leaseMs: number;
  /** `MAX_ATTEMPTS`: deliveries of one message before it goes to the dead-letter queue. */
  maxAttempts: number;
  /** `DEDUP_WINDOW_MS`: how long an acknowledged message id is remembered to refuse a retried copy. */
  dedupWindowMs: number;
  /** `MAX_QUEUE_LENGTH`: messages one queue may hold; past it producers get `queue_full`. */
  maxQueueLength: number;
  /** `MAX_TOTAL_MESSAGES`: messages all queues together may hold; past it producers get `queue_full`. */
  maxTotalMessages: number;
  /**
   * `MAX_QUEUES`: queues the hub keeps at once (empty ones with no consumer are forgotten); past it,
   * a `join`, `getAll` or message that would open another gets `limit_reached`. The driver queue is exempt.
   */
  maxQueues: number;
  /**
   * `SUSPECT_AFTER_TIMEOUTS`: ack timeouts in a row after which a consumer is a suspect and is sent
   * nothing until its probation (a consumer that never acknowledged anything never uses up a
   * message's attempts).
   */
  suspectAfter: number;
  /**
   * `SUSPECT_PROBATION_MS`: how long a new suspect is sent nothing before its probation (one
   * message, whose acknowledgement clears it); doubled for each probation it fails, up to 64 times.
   */
  probationMs: number;
  /** `MESSAGE_TTL_MS`: how long a message may wait before it is dead-lettered; 0 means forever. */
  messageTtlMs: number;
  /** `PREFETCH`: the most pickups one driver may hold unclaimed at once (drivers compete for them). */
  prefetch: number;
  /**
   * `VENDOR_PREFETCH`: the most delivery notices one vendor may hold unacknowledged at once. Larger
   * than `PREFETCH`, as a store's notices go to its own vendor with nobody to share them with: a
   * wider window drains a returning vendor's backlog faster (docs/benchmarks.md).
   */
  vendorPrefetch: number;
}

/** Everything a vendor or driver process takes from the environment (its flags override these). */
export interface ClientConfig {
  /**
   * `CAPS_STATE_DIR`: where our vendor keeps its journal (`vendor-<store>.journal`) unless given
   * `--journal`, so that a restarted vendor knows which notices are for its own orders.
   */
  stateDir: string;
  /** `HUB_URL`: the hubs to connect to, the first first; the others are tried in turn when it fails. */
  hubUrls: string[];
  storeName: string;
  driverName: string;
  vendorIntervalMs: number;
  driverDelayMs: number;
  log: { format: LogFormat; level: LogLevel };
  /** The secret our clients sign their own token with, on the hub's machine (auth/client-token.ts). */
  secret: SecretSource;
  /** `CAPS_TOKEN`: a token issued for this client by `npm run token` on the hub's machine; wins over the secret. */
  token: string | undefined;
}

/**
 * Thrown when the environment holds a value CAPS cannot use. The message is one line that names
 * each variable, its value and what was expected: `PORT=70000: expected a whole number from 0 to 65535`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Variables whose values are secrets: a message names them, but shows `***` for the value. */
const SECRET_VARIABLES = new Set(['CAPS_SECRET', 'CAPS_TOKEN', 'DASHBOARD_TOKEN']);

/** A variable's value as an error message may show it: secrets hidden, and the password in a store name. */
function shown(name: string, value: string | undefined): string {
  if (value !== undefined && SECRET_VARIABLES.has(name)) return '***';
  return JSON.stringify(name === 'CAPS_STORE' && value !== undefined ? redactStoreName(value) : value);
}

function read<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // An empty variable (`PORT=`) means "use the default", as it does in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}=${shown(name, present[name])}: ${issue.message}`;
    });
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Loads `.env` (if any) into the process environment. Variables already set win. */
export function loadDotenvFile(): void {
  loadDotenv({ quiet: true });
}

/**
 * The hub's configuration: `overrides` (command-line flags, by variable name) over `env`
 * (default: the process environment, after `loadDotenvFile`).
 */
export function hubConfig(overrides: NodeJS.ProcessEnv = {}, env: NodeJS.ProcessEnv = process.env): HubConfig {
  const e = read(hubSettingsSchema, { ...env, ...overrides });
  return {
    port: e.PORT,
    host: e.HOST,
    hubId: e.CAPS_HUB_ID,
    log: { format: e.LOG_FORMAT, level: e.LOG_LEVEL },
    store: e.CAPS_STORE,
    redisPrefix: e.CAPS_REDIS_PREFIX,
    redisLeaseMs: e.CAPS_REDIS_LEASE_MS,
    standby: e.CAPS_STANDBY === 'true',
    shared: e.CAPS_SHARED === 'true',
    durability: e.STORE_DURABILITY,
    delivery: {
      ackTimeoutMs: e.ACK_TIMEOUT_MS,
      leaseMs: e.LEASE_MS,
      maxAttempts: e.MAX_ATTEMPTS,
      dedupWindowMs: e.DEDUP_WINDOW_MS,
      maxQueueLength: e.MAX_QUEUE_LENGTH,
      maxTotalMessages: e.MAX_TOTAL_MESSAGES,
      maxQueues: e.MAX_QUEUES,
      suspectAfter: e.SUSPECT_AFTER_TIMEOUTS,
      probationMs: e.SUSPECT_PROBATION_MS,
      messageTtlMs: e.MESSAGE_TTL_MS,
      prefetch: e.PREFETCH,
      vendorPrefetch: e.VENDOR_PREFETCH,
    },
    recoveryWindowMs: e.RECOVERY_WINDOW_MS,
    labDriverGuessMs: e.LAB_DRIVER_GUESS_MS,
    maxRoomsPerSocket: e.MAX_ROOMS_PER_SOCKET,
    dashboardToken: e.DASHBOARD_TOKEN,
    dashboardWatch: e.DASHBOARD_WATCH,
    trust: {
      secret: e.CAPS_SECRET,
      secretFile: e.CAPS_SECRET_FILE,
      classroom: e.CLASSROOM,
      allowedHosts: e.ALLOWED_HOSTS,
      allowedOrigins: e.ALLOWED_ORIGINS,
      maxConnections: e.MAX_CONNECTIONS,
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      trustedProxies: e.TRUSTED_PROXIES,
    },
  };
}

/** The vendor's and driver's configuration from `env`; their flags override it. */
export function clientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const e = read(clientEnvSchema, env);
  return {
    hubUrls: e.HUB_URL,
    storeName: e.STORE_NAME,
    driverName: e.DRIVER_NAME,
    vendorIntervalMs: e.VENDOR_INTERVAL_MS,
    driverDelayMs: e.DRIVER_DELAY_MS,
    log: { format: e.LOG_FORMAT, level: e.LOG_LEVEL },
    secret: { secret: e.CAPS_SECRET, secretFile: e.CAPS_SECRET_FILE },
    token: e.CAPS_TOKEN,
    stateDir: e.CAPS_STATE_DIR,
  };
}

/** The defaults, as a hub started with an empty environment sees them. */
export const DEFAULT_HUB_CONFIG: HubConfig = hubConfig({}, {});

/**
 * The environment for a child process that CAPS starts (the demo, the simulator, the benchmark):
 * this process's environment with `overrides` on top.
 */
export function childEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
