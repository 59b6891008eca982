/**
 * The default queue store: everything in this process's memory, gone when the hub stops.
 * It keeps the same contract as the durable stores (store.ts), except that "durable" means
 * "until the process exits".
 */
import type { EntryKey } from '../protocol/envelope';
import {
  StoreClosedError,
  type DeadLetter,
  type EnqueueOutcome,
  type NewMessage,
  type QueueDepth,
  type QueueStore,
  type StoredMessage,
  type StoreOptions,
} from './store';
import { AckedKeys } from './acked-keys';

export class MemoryStore implements QueueStore {
  readonly kind = 'memory';
  // Maps keep insertion order, and a key is only ever inserted with the newest seq, so each
  // queue's map is already in seq order.
  private readonly live = new Map<string, Map<string, StoredMessage>>();
  private readonly dead = new Map<string, Map<string, DeadLetter>>();
  private readonly acked: AckedKeys;
  private readonly now: () => number;
  private lastSeq = 0;
  private closed = false;

  constructor(options: StoreOptions) {
    this.now = options.now ?? Date.now;
    this.acked = new AckedKeys(options.dedupWindowMs);
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    this.assertOpen();
    if (options.completes) this.remove(options.completes);
    const now = this.now();
    if (this.live.get(message.queueId)?.has(message.messageId) || this.dead.get(message.queueId)?.has(message.messageId) || this.acked.has(message, now)) {
      return { status: 'duplicate' };
    }
    const stored: StoredMessage = { ...message, seq: ++this.lastSeq };
    this.queue(this.live, message.queueId).set(message.messageId, stored);
    return { status: 'stored', message: { ...stored } };
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    this.assertOpen();
    return [...(this.live.get(queueId)?.values() ?? [])].map((m) => ({ ...m }));
  }

  async queues(): Promise<string[]> {
    this.assertOpen();
    return [...new Set([...this.live.keys(), ...this.dead.keys()])];
  }

  async ack(key: EntryKey): Promise<boolean> {
    this.assertOpen();
    return this.remove(key);
  }

  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    this.assertOpen();
    const message = this.live.get(key.queueId)?.get(key.messageId);
    if (!message) return false;
    if (owner === undefined) delete message.owner;
    else message.owner = owner;
    return true;
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    this.assertOpen();
    const message = this.live.get(key.queueId)?.get(key.messageId);
    if (!message) return false;
    this.delete(this.live, key);
    this.queue(this.dead, key.queueId).set(key.messageId, { ...message, reason, deadAt: this.now() });
    return true;
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    this.assertOpen();
    const queues = queueId === undefined ? [...this.dead.values()] : [this.dead.get(queueId) ?? new Map()];
    return queues.flatMap((q) => [...q.values()]).sort((a, b) => a.deadAt - b.deadAt || a.seq - b.seq).map((d) => ({ ...d }));
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    this.assertOpen();
    const letter = this.dead.get(key.queueId)?.get(key.messageId);
    if (!letter) return undefined;
    this.delete(this.dead, key);
    const { reason: _reason, deadAt: _deadAt, owner: _owner, ...message } = letter;
    const stored: StoredMessage = { ...message, seq: ++this.lastSeq };
    this.queue(this.live, key.queueId).set(key.messageId, stored);
    return { ...stored };
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    this.assertOpen();
    const depths = new Map<string, QueueDepth>();
    for (const name of await this.queues()) {
      depths.set(name, { queued: this.live.get(name)?.size ?? 0, dead: this.dead.get(name)?.size ?? 0 });
    }
    return depths;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private remove(key: EntryKey): boolean {
    if (!this.delete(this.live, key)) return false;
    this.acked.add(key, this.now());
    return true;
  }

  private queue<T>(maps: Map<string, Map<string, T>>, queueId: string): Map<string, T> {
    let queue = maps.get(queueId);
    if (!queue) maps.set(queueId, (queue = new Map()));
    return queue;
  }

  private delete<T>(maps: Map<string, Map<string, T>>, key: EntryKey): boolean {
    const queue = maps.get(key.queueId);
    if (!queue?.delete(key.messageId)) return false;
    if (queue.size === 0) maps.delete(key.queueId);
    return true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.kind);
  }
}
