/**
 * One client's "stop": pauses and waits that end, rejected, the moment the client stops.
 *
 * An AbortSignal would do the same, but each pause on it hangs one listener on the one signal, and
 * Node warns ("MaxListenersExceededWarning: Possible EventTarget memory leak") past ten: a driver
 * carrying 50 packages holds 50 pauses at once. Here each pause is one entry in a set.
 *
 * @example
 *   const stopper = new Stopper();
 *   await stopper.sleep(1000);               // rejects with the reason once `stop` is called
 *   stopper.stop(new Error('driver stopped'));
 */
export class Stopper {
  private readonly waiting = new Set<(reason: Error) => void>();
  private why: Error | undefined;

  /** Whether `stop` has been called. */
  get stopped(): boolean {
    return this.why !== undefined;
  }

  /** Ends every pause and wait, now and later, with `reason`. */
  stop(reason: Error): void {
    if (this.why) return;
    this.why = reason;
    for (const reject of this.waiting) reject(reason);
    this.waiting.clear();
  }

  /** Throws the stop's reason if stopped. */
  throwIfStopped(): void {
    if (this.why) throw this.why;
  }

  /** Resolves after `ms`; rejects with the stop's reason if stopped first. */
  sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return this.race(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))).finally(() => clearTimeout(timer));
  }

  /** `promise`, or a rejection with the stop's reason if stopped first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.why) return Promise.reject(this.why);
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      promise.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }
}
