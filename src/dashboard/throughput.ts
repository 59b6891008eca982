/**
 * Delivery events per second over the last minute: the numbers behind the page's sparkline.
 * Counting is one addition an event; the series moves on once a second, when `roll` is called.
 */
import { DASHBOARD_LIMITS } from '../protocol/dashboard';

export class Throughput {
  private readonly series: number[] = new Array<number>(DASHBOARD_LIMITS.throughputSeconds).fill(0);
  private current = 0;
  private secondEnds: number;

  constructor(private readonly now: () => number = Date.now) {
    this.secondEnds = now() + 1000;
  }

  count(n = 1): void {
    this.current += n;
  }

  /** Closes the seconds that have ended; true if the series changed. */
  roll(): boolean {
    const now = this.now();
    if (now < this.secondEnds) return false;
    // Seconds with no roll at all (a stalled event loop) count as empty, at most a whole series' worth.
    const ended = Math.min(Math.floor((now - this.secondEnds) / 1000) + 1, this.series.length);
    this.series.push(this.current, ...new Array<number>(ended - 1).fill(0));
    this.series.splice(0, this.series.length - DASHBOARD_LIMITS.throughputSeconds);
    this.current = 0;
    this.secondEnds += Math.floor((now - this.secondEnds) / 1000 + 1) * 1000;
    return true;
  }

  /** Events per second, oldest first. */
  values(): number[] {
    return [...this.series];
  }
}
