/**
 * Open-loop pacing: `send` is called for item `i` at `startAt + i / perMs`, whatever the server
 * does meanwhile, so a slow server meets the same offered load as a fast one (no coordinated
 * omission). It wakes about once a millisecond and sends every item that has fallen due; each item
 * is told its intended time, from which latencies are measured, so the pacer's own lateness is
 * charged to the figures rather than hidden.
 */
import { wallNow } from './clock';

/** Calls `send(i, intendedAt, now)` for `i` in `0 … total-1` on schedule; resolves after the last. */
export function pace(total: number, perSecond: number, startAt: number, send: (i: number, intendedAt: number, now: number) => void): Promise<void> {
  const perMs = perSecond / 1000;
  let i = 0;
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        const now = wallNow();
        const due = Math.min(total, Math.floor((now - startAt) * perMs) + 1);
        for (; i < due; i++) send(i, startAt + i / perMs, now);
      } catch (err) {
        reject(err);
        return;
      }
      if (i < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, Math.max(0, startAt - wallNow()));
  });
}
