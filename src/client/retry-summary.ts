/**
 * Retries, told in one line per period instead of one per message: a vendor with 40 orders queued
 * behind a full hub says "retried 40 sends (queue_full 40); still trying", not 40 lines.
 *
 * @example
 *   const retries = new RetrySummary((line) => logger.warn(`VENDOR: ${line}`));
 *   retries.add('timeout');   // the first one starts the period; its end prints the line
 *   retries.close();          // at shutdown: prints what is left and stops the timer
 */
export class RetrySummary {
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly report: (line: string) => void,
    private readonly periodMs = 5000,
  ) {}

  /** Counts one retry, for reason `why` (an error code, or `timeout`). */
  add(why: string): void {
    this.counts.set(why, (this.counts.get(why) ?? 0) + 1);
    this.timer ??= setTimeout(() => this.flush(), this.periodMs).unref();
  }

  /** Prints what has been counted, if anything, and stops the timer. */
  close(): void {
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    const reasons = [...this.counts].map(([why, n]) => `${why} ${n}`).join(', ');
    this.counts.clear();
    this.report(`retried ${total} ${total === 1 ? 'send' : 'sends'} (${reasons}); still trying`);
  }
}
