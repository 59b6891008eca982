/**
 * The default queue store: everything in this process's memory, gone when the hub stops.
 * It keeps the same contract as the durable stores (store.ts), except that "durable" means
 * "until the process exits". The state itself is a QueueIndex (queue-index.ts); this class puts it
 * behind the asynchronous interface and hands out copies, so that no caller can change a record.
 */
import type { EntryKey } from '../protocol/envelope';
import { copied, QueueIndex } from './queue-index';
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

export class MemoryStore implements QueueStore {
  readonly kind = 'memory';
  private readonly index: QueueIndex;
  private readonly now: () => number;
  private closed = false;

  constructor(options: StoreOptions) {
    this.now = options.now ?? Date.now;
    this.index = new QueueIndex(options.dedupWindowMs);
  }

  async enqueue(message: NewMessage, options: { completes?: EntryKey } = {}): Promise<EnqueueOutcome> {
    this.assertOpen();
    const now = this.now();
    if (options.completes) this.index.ack(options.completes, now);
    return copied(this.index.enqueue(message, now));
  }

  async list(queueId: string): Promise<StoredMessage[]> {
    this.assertOpen();
    return this.index.listLive(queueId).map((m) => ({ ...m }));
  }

  async queues(): Promise<string[]> {
    this.assertOpen();
    return this.index.queues();
  }

  async ack(key: EntryKey): Promise<boolean> {
    this.assertOpen();
    return this.index.ack(key, this.now()) !== undefined;
  }

  async setOwner(key: EntryKey, owner: string | undefined): Promise<boolean> {
    this.assertOpen();
    return this.index.setOwner(key, owner) !== undefined;
  }

  async deadLetter(key: EntryKey, reason: string): Promise<boolean> {
    this.assertOpen();
    return this.index.deadLetter(key, reason, this.now()) !== undefined;
  }

  async deadLetters(queueId?: string): Promise<DeadLetter[]> {
    this.assertOpen();
    return this.index.listDead(queueId).map((d) => ({ ...d }));
  }

  async requeue(key: EntryKey): Promise<StoredMessage | undefined> {
    this.assertOpen();
    const moved = this.index.requeue(key);
    return moved && { ...moved.record };
  }

  async depths(): Promise<Map<string, QueueDepth>> {
    this.assertOpen();
    return this.index.depths();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.kind);
  }
}
