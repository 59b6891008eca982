/**
 * The keys acknowledged within the de-duplication window, oldest first. Every store uses it to
 * answer "was this key acknowledged recently?" without a scan: expired keys fall off the front.
 */
export class AckedKeys {
  // A Map iterates in insertion order, which is acknowledgement order.
  private readonly ackedAt = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Remembers `key` as acknowledged at `at`. */
  add(key: string, at: number): void {
    this.ackedAt.delete(key);
    if (this.windowMs > 0) this.ackedAt.set(key, at);
  }

  /** Whether `key` was acknowledged within the window before `now`. */
  has(key: string, now: number): boolean {
    this.prune(now);
    return this.ackedAt.has(key);
  }

  /** The remembered keys with their acknowledgement times, oldest first (for persisting). */
  entries(now: number): [string, number][] {
    this.prune(now);
    return [...this.ackedAt];
  }

  private prune(now: number): void {
    for (const [key, at] of this.ackedAt) {
      if (now - at < this.windowMs) break;
      this.ackedAt.delete(key);
    }
  }
}
