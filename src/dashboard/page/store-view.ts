/**
 * The queue store's health, beside the page's own connection in the header: its kind and `up`, or
 * since when it has been unavailable and why (Redis unreachable, the writer lease lost). While it is
 * down the hub answers every write `unavailable` and the clients retry.
 */
import type { StoreStatus } from '../../protocol/dashboard';
import { clock, setText } from './dom.js';

export class StoreView {
  constructor(private readonly node: HTMLElement) {}

  render(store: StoreStatus): void {
    this.node.dataset.state = store.up ? 'up' : 'down';
    this.node.dataset.kind = store.kind;
    // The reason names Redis's address and the error as the hub saw it: text, never markup.
    setText(this.node, store.up ? `${store.kind} store: up` : `${store.kind} store unavailable since ${clock(store.since)}: ${store.reason ?? 'no reason given'}`);
  }
}
