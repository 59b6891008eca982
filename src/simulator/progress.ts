/**
 * Shows a run's progress while it goes: a live bar on a terminal, otherwise (piped output, or
 * `--json`, whose stdout is for the one JSON object) a short line on stderr every few seconds.
 */
import { SingleBar } from 'cli-progress';

/** Where a run has got, as the workers last reported it. */
export interface ProgressState {
  orders: number;
  posted: number;
  delivered: number;
  thanked: number;
  faults: number;
  elapsedMs: number;
}

export interface ProgressView {
  update(state: ProgressState): void;
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/** How often the `lines` view prints. */
const LINE_EVERY_MS = 3_000;

const rate = (s: ProgressState) => (s.elapsedMs > 0 ? Math.round((s.thanked / s.elapsedMs) * 1000) : 0);

export function progressView(mode: ProgressMode): ProgressView {
  if (mode === 'bar') return barView();
  if (mode === 'lines') return linesView();
  return { update: () => undefined, stop: () => undefined };
}

function barView(): ProgressView {
  const bar = new SingleBar({
    format: 'orders {bar} {value}/{total} thanked | delivered {delivered} | posted {posted} | {rate}/s | faults {faults} | {duration}s',
    barsize: 30,
    hideCursor: true,
    stream: process.stdout,
  });
  let started = false;
  return {
    update(s) {
      const payload = { delivered: s.delivered, posted: s.posted, rate: rate(s), faults: s.faults };
      if (!started) bar.start(s.orders, s.thanked, payload);
      else bar.update(s.thanked, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function linesView(): ProgressView {
  let printedAt = 0;
  return {
    update(s) {
      if (s.elapsedMs - printedAt < LINE_EVERY_MS) return;
      printedAt = s.elapsedMs;
      process.stderr.write(
        `simulate: ${s.thanked}/${s.orders} thanked, ${s.delivered} delivered, ${s.posted} posted, ${rate(s)}/s, ${s.faults} faults, ${Math.round(s.elapsedMs / 1000)} s\n`,
      );
    },
    stop: () => undefined,
  };
}
