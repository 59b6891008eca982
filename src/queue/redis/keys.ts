/**
 * Where the Redis store keeps what, under its prefix (`CAPS_REDIS_PREFIX`, `caps:` by default).
 * `<q>` is a queue id, which may hold any character: a queue's keys all end with it after a kind
 * that no other kind starts with, so no two queues, and no queue and a global key, share a key.
 *
 * | key                  | type   | holds                                                            |
 * | -------------------- | ------ | ---------------------------------------------------------------- |
 * | `writer`             | string | the writer lease: the token of the hub that may write (writer-lease.ts) |
 * | `writer-epoch`       | string | a number raised each time a hub takes the lease anew (fencing)   |
 * | `seq`                | string | the last seq handed out (`INCR`)                                 |
 * | `counts:live`        | hash   | queue id → live entries                                          |
 * | `counts:dead`        | hash   | queue id → dead letters                                          |
 * | `live:<q>`           | zset   | message id, scored by seq: the queue in line                     |
 * | `dead:<q>`           | zset   | message id, scored by the seq it had: the dead letters           |
 * | `body:<q>`           | hash   | message id → the `NewMessage` as JSON, for live and dead entries |
 * | `owner:<q>`          | hash   | message id → the owner (the claiming driver), when it has one    |
 * | `death:<q>`          | hash   | message id → `{ reason, deadAt }` as JSON, for dead letters      |
 * | `acked:<q>`          | zset   | message id, scored by when it was acknowledged: the de-duplication window |
 * | `ready:<q>`          | zset   | message id, scored by seq: live entries that nobody claimed and no shared hub holds |
 * | `parked:<q>`         | hash   | message id → owner: live entries claimed and held by no shared hub |
 * | `indexed`            | string | set once the two above cover every live entry (lua/index.lua)   |
 * | `hubs`               | hash   | a hub process → what it is, as JSON: every hub on the prefix, standbys too (hub-roster.ts) |
 * | `hub-beats`          | zset   | a hub process, scored by its last heartbeat (Redis's clock, ms)  |
 *
 * Shared hubs (`CAPS_SHARED`: several hubs write side by side; shared-hubs.ts) add:
 *
 * | key                  | type   | holds                                                            |
 * | -------------------- | ------ | ---------------------------------------------------------------- |
 * | `holders`            | zset   | a shared hub's token, scored by its last heartbeat (Redis's clock, ms) |
 * | `held:<q>`           | hash   | message id → the token of the hub that holds it (sends it to its clients) |
 * | `holding:<token>`    | set    | `[<q>, message id]` as JSON: what that hub holds, to give back if it dies |
 * | `claim-until:<q>`    | zset   | message id, scored by when its claim runs out (Redis's clock, ms) |
 * | `failures:<q>`       | hash   | message id → its failed deliveries so far, kept across hubs      |
 * | `available` (channel) | pub/sub | a queue id, published when that queue has an entry to take      |
 * | `in-transit` (channel) | pub/sub | `[room, envelope]` as JSON: a store room's in-transit, for every hub |
 *
 * Every live entry is in exactly one of `held:<q>`, `ready:<q>` and `parked:<q>` (lua/waiting.lua):
 * a shared hub takes from the last two without passing over what other hubs hold. A hub that
 * writes alone holds nothing, and keeps them up to date all the same.
 *
 * A seq is kept as the score, and an owner apart from the body, so that the scripts never decode
 * JSON and a claim writes a few bytes. The counts make `depths` and `queues` one read.
 */
export class RedisKeys {
  readonly writer: string;
  readonly epoch: string;
  readonly seq: string;
  readonly liveCounts: string;
  readonly deadCounts: string;
  readonly hubs: string;
  readonly hubBeats: string;
  readonly holders: string;
  readonly indexed: string;
  /** The pub/sub channel on which shared hubs hear that a queue has an entry to take. */
  readonly available: string;
  /** The pub/sub channel on which shared hubs pass each other a store room's `in-transit`. */
  readonly inTransit: string;

  constructor(readonly prefix: string) {
    this.writer = `${prefix}writer`;
    this.epoch = `${prefix}writer-epoch`;
    this.seq = `${prefix}seq`;
    this.liveCounts = `${prefix}counts:live`;
    this.deadCounts = `${prefix}counts:dead`;
    this.hubs = `${prefix}hubs`;
    this.hubBeats = `${prefix}hub-beats`;
    this.holders = `${prefix}holders`;
    this.indexed = `${prefix}indexed`;
    this.available = `${prefix}available`;
    this.inTransit = `${prefix}in-transit`;
  }

  held(queueId: string): string {
    return `${this.prefix}held:${queueId}`;
  }

  holding(token: string): string {
    return `${this.prefix}holding:${token}`;
  }

  claimUntil(queueId: string): string {
    return `${this.prefix}claim-until:${queueId}`;
  }

  failures(queueId: string): string {
    return `${this.prefix}failures:${queueId}`;
  }

  live(queueId: string): string {
    return `${this.prefix}live:${queueId}`;
  }

  dead(queueId: string): string {
    return `${this.prefix}dead:${queueId}`;
  }

  body(queueId: string): string {
    return `${this.prefix}body:${queueId}`;
  }

  owner(queueId: string): string {
    return `${this.prefix}owner:${queueId}`;
  }

  death(queueId: string): string {
    return `${this.prefix}death:${queueId}`;
  }

  acked(queueId: string): string {
    return `${this.prefix}acked:${queueId}`;
  }

  ready(queueId: string): string {
    return `${this.prefix}ready:${queueId}`;
  }

  parked(queueId: string): string {
    return `${this.prefix}parked:${queueId}`;
  }
}
