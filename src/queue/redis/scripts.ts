/**
 * The Lua scripts of the Redis store (lua/*.lua), one file a concept, each registered with ioredis's
 * `defineCommand`: ioredis sends a script whole once per connection and by SHA (`EVALSHA`) after
 * that, and sends it whole again if Redis forgot it (a restarted Redis).
 *
 * Every change that must be atomic is one script, and Redis runs a script as one step. A script
 * that changes the store begins with the fence (lua/fence.lua): its first two keys are the writer
 * lease and its epoch, its first three arguments the hub's token, epoch and lease length
 * ({@link Fence}). Helpers (fence, counts, unhold, waiting, give-back, acknowledge, clock) are prepended to the scripts that use them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';

const lua = (name: string) => readFileSync(join(__dirname, 'lua', `${name}.lua`), 'utf8');

/** Each script, as the helpers it uses followed by its own file. */
const SCRIPTS = {
  enqueue: ['fence', 'counts', 'unhold', 'waiting', 'acknowledge', 'enqueue'],
  ack: ['fence', 'counts', 'unhold', 'waiting', 'acknowledge', 'ack'],
  setOwner: ['fence', 'waiting', 'set-owner'],
  deadLetter: ['fence', 'counts', 'unhold', 'waiting', 'dead-letter'],
  requeue: ['fence', 'counts', 'requeue'],
  readQueue: ['read-queue'],
  takeLease: ['clock', 'take-lease'],
  renewLease: ['fence', 'renew-lease'],
  releaseLease: ['release-lease'],
  hubRoster: ['clock', 'hub-roster'],
  take: ['fence', 'take'],
  release: ['clock', 'fence', 'waiting', 'release'],
  claim: ['clock', 'fence', 'claim'],
  beat: ['clock', 'waiting', 'give-back', 'beat'],
  reconcile: ['clock', 'fence', 'waiting', 'give-back', 'reconcile'],
  index: ['waiting', 'index'],
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** What every fenced script takes first: the lease and its epoch (keys), the hub's claim on it (arguments). */
export interface Fence {
  keys: [writer: string, epoch: string];
  args: [token: string, epoch: string, leaseMs: string];
}

type Command = (numberOfKeys: number, ...keysAndArgs: string[]) => Promise<unknown>;

/** The store's scripts on one ioredis client. */
export class Scripts {
  constructor(private readonly client: Redis) {
    for (const [name, parts] of Object.entries(SCRIPTS)) {
      client.defineCommand(commandName(name), { lua: parts.map(lua).join('\n') });
    }
  }

  /** Runs script `name` with `keys` and `args`; resolves Redis's reply as ioredis decodes it. */
  run(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    const command = (this.client as unknown as Record<string, Command>)[commandName(name)]!;
    return command.call(this.client, keys.length, ...keys, ...args);
  }

  /** Runs a fenced script: the fence's keys and arguments, then the script's own. */
  fenced(name: ScriptName, fence: Fence, keys: string[], args: string[]): Promise<unknown> {
    return this.run(name, [...fence.keys, ...keys], [...fence.args, ...args]);
  }
}

/** A name that cannot clash with a Redis command ioredis already has. */
function commandName(script: string): string {
  return `caps_${script}`;
}
