/**
 * A client's journal: what it has already done, by message id, so that a message the hub delivers
 * twice (at-least-once delivery does that) has its effect once.
 *
 * The check and the record are one synchronous step with no `await` between, and the effect
 * follows the record; so even a process killed at any instant leaves a journal that says whether
 * the effect may have happened. `MemoryJournal` forgets on exit and remembers only recent ids;
 * `FileJournal` survives restarts (the simulator gives every client one).
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecentIds } from '../recent-ids';

export interface Journal {
  /** Whether `id` was recorded under `kind` (e.g. `thanked`, `delivered`). */
  has(kind: string, id: string): boolean;
  /** Records `id` under `kind`, with optional data to read back after a restart. */
  add(kind: string, id: string, data?: unknown): void;
  /** Every record of `kind` still remembered, oldest first. */
  list(kind: string): { id: string; data: unknown }[];
  close(): void;
}

/** Remembers the most recent `capacity` ids of each kind, in memory. */
export class MemoryJournal implements Journal {
  private readonly kinds = new Map<string, RecentIds<unknown>>();

  constructor(private readonly capacity = 100_000) {}

  has(kind: string, id: string): boolean {
    return this.kinds.get(kind)?.has(id) ?? false;
  }

  add(kind: string, id: string, data?: unknown): void {
    let ids = this.kinds.get(kind);
    if (!ids) this.kinds.set(kind, (ids = new RecentIds(this.capacity)));
    ids.add(id, data);
  }

  list(kind: string): { id: string; data: unknown }[] {
    return [...(this.kinds.get(kind)?.entries() ?? [])].map(([id, data]) => ({ id, data }));
  }

  close(): void {}
}

/** A journal in an append-only file of JSON lines, read back in full when opened. */
export class FileJournal implements Journal {
  private readonly memory = new MemoryJournal(Number.MAX_SAFE_INTEGER);
  private readonly fd: number;

  constructor(path: string) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { kind, id, data } = JSON.parse(line) as { kind: string; id: string; data?: unknown };
        this.memory.add(kind, id, data);
      } catch {
        // A torn line (a write cut short by power loss) held a record that never counted.
      }
    }
    this.fd = openSync(path, 'a');
    // Start the next record on a line of its own, not on the end of a torn one.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(this.fd, '\n');
  }

  has(kind: string, id: string): boolean {
    return this.memory.has(kind, id);
  }

  add(kind: string, id: string, data?: unknown): void {
    // One write call per record: the kernel has it before this returns, so a killed process keeps it.
    appendFileSync(this.fd, `${JSON.stringify({ kind, id, data })}\n`);
    this.memory.add(kind, id, data);
  }

  list(kind: string): { id: string; data: unknown }[] {
    return this.memory.list(kind);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Where a vendor CLI keeps its journal by default: one file per store in `stateDir` (created if
 * missing), so that a vendor restarted without `--journal` still thanks for the orders it posted.
 */
export function defaultJournal(stateDir: string, store: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return join(stateDir, `vendor-${store}.journal`);
}

/** A `FileJournal` at `path`, or a `MemoryJournal` when there is none. */
export function openJournal(path: string | undefined): Journal {
  return path ? new FileJournal(path) : new MemoryJournal();
}
