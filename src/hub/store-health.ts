/**
 * The queue store's health as the hub reports it: whether the store takes calls, since when, why
 * not, and how many outages it has had. `/healthz`, `/metrics` (`caps_store_up`,
 * `caps_store_outages_total`, `caps_store_down_seconds`) and the dashboard all read it here, so
 * that they agree.
 *
 * The store says whether it is up now (`QueueStore.health`) and when that changes
 * (`QueueStore.onHealthChange`); the watch adds what the store does not keep: when the change
 * happened, and how many outages there were, counted as they happen, so that an outage shorter than
 * the time between two scrapes is still counted. A store without `health` (memory, lmdb) is up for
 * as long as it is open.
 *
 * @example
 *   const health = new StoreHealthWatch(store);
 *   health.status(); // { kind: 'redis', up: false, since: 1700000000000, reason: 'Redis at … is unreachable (…)', outages: 1 }
 *   health.close();
 */
import type { StoreStatus } from '../protocol/dashboard';
import type { QueueStore, StoreHealth } from '../queue/store';

const ALWAYS_UP: StoreHealth = { up: true };

export class StoreHealthWatch {
  private current: StoreStatus;
  private readonly stopListening: () => void;

  /** Watches `store` from now on; `now` is the clock (tests pass their own). */
  constructor(
    private readonly store: QueueStore,
    private readonly now: () => number = Date.now,
  ) {
    this.current = { kind: store.kind, ...statusOf(this.health()), since: now(), outages: 0 };
    this.stopListening = store.onHealthChange?.(() => this.refresh()) ?? (() => undefined);
  }

  /** The store's status now (a copy). */
  status(): StoreStatus {
    // The store's own answer is the truth; reading it here too keeps a late change event from
    // ever showing an older state than `/healthz` would.
    this.refresh();
    return { ...this.current };
  }

  /** How long the store has been down, in ms; 0 while it is up. */
  downForMs(): number {
    const { up, since } = this.status();
    return up ? 0 : Math.max(0, this.now() - since);
  }

  /** Stops listening to the store. */
  close(): void {
    this.stopListening();
  }

  private health(): StoreHealth {
    return this.store.health?.() ?? ALWAYS_UP;
  }

  private refresh(): void {
    const health = this.health();
    const { kind, up, outages } = this.current;
    if (health.up === up) {
      // Still down, perhaps for another reason (a dropped connection, then a refused one): same outage.
      if (!health.up) this.current.reason = health.reason;
      return;
    }
    this.current = { kind, ...statusOf(health), since: this.now(), outages: health.up ? outages : outages + 1 };
  }
}

function statusOf(health: StoreHealth): Pick<StoreStatus, 'up' | 'reason'> {
  return health.up ? { up: true } : { up: false, reason: health.reason };
}
