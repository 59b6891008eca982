/**
 * The queues table: each queue's depth, in-flight count, dead letters and consumers. A bar under
 * the depth makes a growing queue visible across the room.
 */
import type { QueueStats } from '../../protocol/dashboard';
import { el } from './dom.js';

export class QueuesView {
  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly empty: HTMLElement,
  ) {}

  render(queues: QueueStats[]): void {
    const deepest = Math.max(1, ...queues.map((q) => q.depth));
    this.body.replaceChildren(
      ...queues.map((q) => {
        const bar = el('span', { class: 'depth-bar', 'aria-hidden': 'true' });
        bar.style.width = `${Math.round((q.depth / deepest) * 100)}%`;
        return el(
          'tr',
          { 'data-queue': q.queueId, class: q.depth > 0 && q.consumers === 0 ? 'stranded' : undefined },
          el('th', { scope: 'row' }, q.queueId),
          el('td', { 'data-field': 'depth' }, el('span', { class: 'depth' }, q.depth), bar),
          el('td', { 'data-field': 'inFlight' }, q.inFlight),
          el('td', { 'data-field': 'dead', class: q.dead > 0 ? 'has-dead' : undefined }, q.dead),
          el('td', { 'data-field': 'consumers' }, q.consumers),
        );
      }),
    );
    this.empty.hidden = queues.length > 0;
  }
}
