/**
 * How far the broker trusts each consumer of one queue, from how it has answered so far.
 *
 * - A consumer that has never acknowledged (or claimed) anything is not *acknowledged*: its
 *   timeouts and disconnects say nothing about the message, so they cost the message no attempt.
 * - After `suspectAfter` timeouts in a row it becomes a *suspect* and may hold nothing.
 * - After `probationMs` (doubled for each probation it fails, up to 64 times) it is on
 *   *probation*: it may hold one message. An acknowledgement, of that message or any other it
 *   still held, makes it *trusted* again; a timeout makes it a suspect again.
 *
 * Why probation rather than a suspect for good: a hub stalled by a long pause fires every ack
 * timer before it reads the acks waiting in its sockets, so an honest consumer can time out
 * `suspectAfter` times at once. A consumer that really sits on work is sent one message per
 * probation, ever more rarely.
 *
 * Only consumers that acknowledged or timed out have a standing; the rest (most of a hub's idle
 * connections) cost nothing here. Time is the global clock's, so Jest's fake timers drive it.
 *
 * @example
 *   const standings = new Standings(policy, (consumer) => offerRoomAndDispatch(consumer));
 *   standings.allowance(consumer);            // its prefetch, 1 on probation, 0 as a suspect
 *   const became = standings.timedOut(consumer); // { timeouts, probationInMs } if it became a suspect
 *   if (standings.acknowledged(consumer)) …;  // true if that cleared a suspect or probation
 */
import type { DeliveryPolicy } from '../config';
import type { Consumer } from './consumer';

/** A suspect's wait for probation doubles with each one it fails, up to this many times the first. */
const MAX_PROBATION_BACKOFF = 64;

interface Standing {
  /** It acknowledged (or claimed) at least one message: its timeouts count as delivery attempts. */
  acknowledged: boolean;
  /** Timeouts since its last acknowledgement. */
  timeouts: number;
  trust: 'trusted' | 'suspect' | 'probation';
  /** Times it became a suspect since its last acknowledgement; sets how long until its next probation. */
  strikes: number;
  /** While a suspect: the timer that puts it on probation. */
  probationTimer?: NodeJS.Timeout;
}

/** A consumer's standing from its first answer, or its first timeout. */
const fresh = (acknowledged: boolean): Standing => ({ acknowledged, timeouts: 0, trust: 'trusted', strikes: 0 });

/** A consumer that just became a suspect: after how many timeouts, and when its probation starts. */
export interface BecameSuspect {
  timeouts: number;
  probationInMs: number;
}

export class Standings {
  private readonly byConsumer = new Map<Consumer, Standing>();

  /**
   * @param onProbation called when a suspect's wait is over and it may hold one message; the
   *   broker then offers it room and dispatches.
   */
  constructor(
    private readonly policy: Pick<DeliveryPolicy, 'suspectAfter' | 'probationMs'>,
    private readonly onProbation: (consumer: Consumer) => void,
  ) {}

  /** How many messages `consumer` may hold at once: its prefetch; one on probation; none as a suspect. */
  allowance(consumer: Consumer): number {
    const trust = this.byConsumer.get(consumer)?.trust ?? 'trusted';
    return trust === 'trusted' ? consumer.prefetch : trust === 'probation' ? 1 : 0;
  }

  /** Whether `consumer` ever acknowledged (or claimed) a message: only then do its failures count as attempts. */
  hasAcknowledged(consumer: Consumer): boolean {
    return this.byConsumer.get(consumer)?.acknowledged === true;
  }

  /** Whether `consumer` is a suspect, sent nothing until its probation. */
  isSuspect(consumer: Consumer): boolean {
    return this.byConsumer.get(consumer)?.trust === 'suspect';
  }

  /** How many of this queue's consumers are suspects. */
  suspects(): number {
    let count = 0;
    for (const standing of this.byConsumer.values()) if (standing.trust === 'suspect') count++;
    return count;
  }

  /** `consumer` acknowledged (or claimed) a message. True if that cleared a suspect or probation. */
  acknowledged(consumer: Consumer): boolean {
    const standing = this.byConsumer.get(consumer);
    if (!standing) {
      this.byConsumer.set(consumer, fresh(true));
      return false;
    }
    standing.acknowledged = true;
    standing.timeouts = 0;
    standing.strikes = 0;
    if (standing.trust === 'trusted') return false;
    clearTimeout(standing.probationTimer);
    standing.trust = 'trusted';
    return true;
  }

  /**
   * A message timed out at `consumer`. Returns what happened if that made it a suspect
   * (`suspectAfter` timeouts in a row, or one on probation); its probation timer is then running.
   */
  timedOut(consumer: Consumer): BecameSuspect | undefined {
    let standing = this.byConsumer.get(consumer);
    if (!standing) this.byConsumer.set(consumer, (standing = fresh(false)));
    standing.timeouts++;
    if (standing.trust === 'suspect' || (standing.trust === 'trusted' && standing.timeouts < this.policy.suspectAfter)) return undefined;
    standing.trust = 'suspect';
    standing.strikes++;
    const probationInMs = this.policy.probationMs * Math.min(2 ** (standing.strikes - 1), MAX_PROBATION_BACKOFF);
    standing.probationTimer = setTimeout(() => this.probation(consumer), probationInMs).unref();
    return { timeouts: standing.timeouts, probationInMs };
  }

  /** Forgets `consumer` (it detached): a consumer's standing lasts one attachment. */
  forget(consumer: Consumer): void {
    clearTimeout(this.byConsumer.get(consumer)?.probationTimer);
    this.byConsumer.delete(consumer);
  }

  /** Stops every probation timer (the broker is closing). */
  close(): void {
    for (const standing of this.byConsumer.values()) clearTimeout(standing.probationTimer);
  }

  private probation(consumer: Consumer): void {
    const standing = this.byConsumer.get(consumer);
    if (standing?.trust !== 'suspect') return;
    standing.trust = 'probation';
    standing.probationTimer = undefined;
    this.onProbation(consumer);
  }
}
