/**
 * The dashboard's event log: a ring of the last lines for new pages, and the lines not yet sent to
 * the pages that are open. A burst of thousands of events a second is cut to the most recent
 * {@link DASHBOARD_LIMITS.logLinesPerUpdate} per update; the rest are only counted, and the page
 * says how many it skipped. No person reads faster than that, and the page stays smooth.
 */
import { DASHBOARD_LIMITS, type LogKind, type LogLine } from '../protocol/dashboard';

/** A line as the feed keeps it: `masked` is its text for watchers, when the text names a customer. */
export interface FeedLine extends LogLine {
  masked?: string;
}

export class LogFeed {
  private readonly recent: FeedLine[] = [];
  private pending: FeedLine[] = [];
  private skipped = 0;
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds a line; `masked` is the same text with customers' names and addresses hidden, if it has any. */
  add(kind: LogKind, text: string, masked?: string): void {
    const line: FeedLine = { seq: ++this.seq, at: this.now(), kind, text, ...(masked === undefined ? {} : { masked }) };
    this.recent.push(line);
    if (this.recent.length > DASHBOARD_LIMITS.logLines) this.recent.shift();
    this.pending.push(line);
    // Trim in chunks rather than per line, so a burst costs O(1) a line.
    if (this.pending.length > 4 * DASHBOARD_LIMITS.logLinesPerUpdate) this.trimPending();
  }

  /** The last lines, oldest first, for a page that just connected. */
  all(): FeedLine[] {
    return [...this.recent];
  }

  /** The lines to send in this update, and how many were skipped since the last one. */
  take(): { lines: FeedLine[]; skipped: number } {
    this.trimPending();
    const taken = { lines: this.pending, skipped: this.skipped };
    this.pending = [];
    this.skipped = 0;
    return taken;
  }

  private trimPending(): void {
    const excess = this.pending.length - DASHBOARD_LIMITS.logLinesPerUpdate;
    if (excess <= 0) return;
    this.pending = this.pending.slice(excess);
    this.skipped += excess;
  }
}
