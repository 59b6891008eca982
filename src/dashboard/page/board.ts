/**
 * The package board: one column per stage, one card per package. A card moves to the top of its
 * new column when its package moves on. The board holds at most `limit` cards; the least recently
 * changed go first, so a busy hub cannot grow the page.
 */
import type { PackageCard, PackageStage } from '../../protocol/dashboard';
import { clock, el, visible } from './dom.js';

const STAGE_RANK: Record<PackageStage, number> = { ordered: 0, 'picked-up': 1, 'in-transit': 2, delivered: 3, acknowledged: 4 };

export class Board {
  /** By message id, least recently changed first. */
  private readonly cards = new Map<string, HTMLLIElement>();
  private readonly columns = new Map<PackageStage, { list: HTMLOListElement; count: HTMLElement }>();

  constructor(root: HTMLElement, private readonly limit: number) {
    for (const column of root.querySelectorAll<HTMLElement>('[data-stage-column]')) {
      const stage = column.dataset.stageColumn as PackageStage;
      this.columns.set(stage, { list: column.querySelector('ol')!, count: column.querySelector('.count')! });
    }
  }

  /** Draws everything again, from a snapshot (oldest first). */
  reset(cards: PackageCard[]): void {
    this.cards.clear();
    for (const { list } of this.columns.values()) list.replaceChildren();
    this.apply(cards);
  }

  /** Applies changed cards, oldest change first. */
  apply(cards: PackageCard[]): void {
    for (const card of cards) this.put(card);
    for (const oldest of this.cards.keys()) {
      if (this.cards.size <= this.limit) break;
      this.cards.get(oldest)?.remove();
      this.cards.delete(oldest);
    }
    for (const { list, count } of this.columns.values()) count.textContent = String(list.childElementCount);
  }

  private put(card: PackageCard): void {
    const old = this.cards.get(card.messageId);
    const node = this.draw(card);
    this.cards.delete(card.messageId);
    this.cards.set(card.messageId, node);
    const column = this.columns.get(card.stage);
    if (old && old.dataset.stage === card.stage && old.parentElement === column?.list) {
      old.replaceWith(node); // same column: stay in place, so the column does not jump
    } else {
      old?.remove();
      column?.list.prepend(node);
    }
  }

  private draw(card: PackageCard): HTMLLIElement {
    const flags = [card.dead ? el('span', { class: 'flag flag-dead' }, `dead: ${card.dead}`) : null, card.requeued ? el('span', { class: 'flag flag-requeued' }, `requeued (${card.requeued})`) : null];
    return el(
      'li',
      {
        class: 'card',
        'data-message-id': card.messageId,
        'data-stage': card.stage,
        'data-rank': String(STAGE_RANK[card.stage]),
        title: `${visible(card.messageId)}\n${visible(card.address)}`,
      },
      el('span', { class: 'card-id' }, card.messageId.slice(0, 8)),
      el('strong', { class: 'card-customer' }, card.customer),
      el('span', { class: 'card-meta' }, card.store, card.driver ? ` · ${card.driver}` : '', ' · ', el('time', {}, clock(card.updatedAt))),
      ...flags,
    );
  }
}
