/**
 * The roster of the hubs on one Redis prefix: every hub process, active or standing by, with a
 * heartbeat in Redis, so that any of them can say which hubs make up this CAPS (the dashboard's
 * "Hubs" panel). It answers what a port check cannot: whether a hub that does not listen is a
 * standby or a dead process.
 *
 * - **Joining.** A hub on Redis joins when it starts, standby or not, on a Redis connection of its
 *   own (it outlives the store, which a standby opens and closes at each takeover).
 * - **Beating.** Every third of the writer lease (`CAPS_REDIS_LEASE_MS`) it writes what it is (hub
 *   id, role, host, pid, port, and how many clients it has) and reads the whole roster back, in one
 *   script (lua/hub-roster.lua). Beats are stamped with Redis's clock, not the hubs'.
 * - **Leaving.** A hub that stops leaves at once. One that was killed, or lost Redis, stops
 *   beating, and leaves the roster for every reader one lease after its last beat: when its writer
 *   lease, if it held it, has run out too. Once no hub of the prefix beats, the roster's keys
 *   expire three leases after the last beat.
 *
 * While Redis is away, beats fail at once and the roster keeps its last reading; the store's
 * health (hub/store-health.ts) is what says that Redis is away.
 *
 * @example
 *   const roster = await HubRoster.join(spec, { id: 'hub-1:3000', role: 'standby', host, pid, port: 3000, startedAt }, { prefix, leaseMs, logger });
 *   roster.update({ role: 'active' });
 *   roster.hubs(); // [{ id: 'hub-1:3000', role: 'active', …, self: true }, { id: 'hub-2:3000', role: 'standby', … }]
 *   await roster.close();
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../logger';
import type { HubView } from '../../protocol/dashboard';
import type { RedisSpec } from '../store-spec';
import { RedisConnection } from './connection';
import { RedisKeys } from './keys';
import { Scripts } from './scripts';

export interface HubRosterOptions {
  prefix: string;
  /** The writer lease's length: a hub beats every third of it, and is listed for one after its last beat. */
  leaseMs: number;
  logger: Logger;
}

/**
 * What a hub says of itself in the roster: `HubView` without what the reader adds. An entry read
 * back that does not parse (another version of CAPS) is left out.
 */
const entrySchema = z.object({
  id: z.string(),
  role: z.enum(['active', 'standby']),
  host: z.string(),
  pid: z.number().int(),
  port: z.number().int(),
  startedAt: z.number(),
  clients: z.number().int().nonnegative().optional(),
}) satisfies z.ZodType<Omit<HubView, 'beatAgoMs' | 'self'>>;

export type RosterEntry = z.infer<typeof entrySchema>;

export class HubRoster {
  private listed: HubView[] = [];
  /** How many clients this hub has now, for its beats while it is active (a standby has none). */
  private clients?: () => number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: Scripts,
    private readonly keys: RedisKeys,
    /** This process's name in the roster: stable for its life, whatever its hub id. */
    private readonly member: string,
    private readonly entry: RosterEntry,
    private readonly leaseMs: number,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), Math.round(leaseMs / 3));
    this.timer.unref();
  }

  /** Joins the roster of `options.prefix` on the Redis `spec` names, with a first beat. Rejects if Redis cannot be reached. */
  static async join(spec: RedisSpec, entry: RosterEntry, options: HubRosterOptions): Promise<HubRoster> {
    // The store's own connection says when Redis is lost and back; this one would only repeat it.
    const connection = await RedisConnection.open(spec, options.logger.child({}, { level: 'error' }));
    // Host and pid name it for people; the random part keeps two hubs apart that share both (containers, each pid 1).
    const member = `${entry.host} pid ${entry.pid} #${randomUUID()}`;
    const roster = new HubRoster(connection, new Scripts(connection.client), new RedisKeys(options.prefix), member, { ...entry }, options.leaseMs);
    try {
      await roster.refresh();
    } catch (err) {
      await roster.close();
      throw err;
    }
    return roster;
  }

  /** Every hub listed at the last beat, this one included, by id. */
  hubs(): HubView[] {
    return this.listed;
  }

  /** Changes what this hub says of itself (it became the active hub, or stands by again), and beats at once. */
  update(change: Partial<Pick<RosterEntry, 'id' | 'role' | 'port'>>): void {
    Object.assign(this.entry, change);
    void this.refresh().catch(() => undefined); // Redis away: the next beat says it
  }

  /**
   * Has every beat from now on say how many clients this hub has, from `count` (the serving hub's
   * connected `/caps` clients), while its role is `active`; a standby says none.
   */
  countClients(count: () => number): void {
    this.clients = count;
  }

  /** Leaves the roster and closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    // Unreachable Redis: the entry leaves by itself, one lease after its last beat.
    await this.call('').catch(() => undefined);
    await this.connection.close();
  }

  /**
   * Beats now, between the regular beats: writes this hub's entry and reads every hub's back, which
   * `hubs` then returns. Rejects if Redis cannot be reached (the last reading stays).
   */
  async refresh(): Promise<HubView[]> {
    if (this.closed) return this.listed;
    const clients = this.entry.role === 'active' ? (this.clients?.() ?? 0) : 0;
    const reply = await this.call(JSON.stringify({ ...this.entry, clients }));
    const [now, ...rest] = reply;
    const hubs: HubView[] = [];
    for (let i = 0; i + 2 < rest.length; i += 3) {
      const parsed = entrySchema.safeParse(parseJson(String(rest[i + 2])));
      if (!parsed.success) continue;
      hubs.push({ ...parsed.data, beatAgoMs: Math.max(0, Number(now) - Number(rest[i + 1])), self: rest[i] === this.member });
    }
    this.listed = hubs.sort((a, b) => a.id.localeCompare(b.id));
    return this.listed;
  }

  /** One run of the roster script: an entry to write, or `''` to leave. */
  private async call(entry: string): Promise<unknown[]> {
    return (await this.scripts.run('hubRoster', [this.keys.hubs, this.keys.hubBeats], [this.member, entry, String(this.leaseMs)])) as unknown[];
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
