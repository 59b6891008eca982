/**
 * The hubs of a CAPS on Redis, active and standing by, from the roster in Redis: which one serves,
 * which wait to take over, and how long ago each was last heard of. A standby does not listen, so
 * this is where one shows that it is alive. On an embedded store the panel stays hidden.
 */
import type { HubView } from '../../protocol/dashboard';
import { el } from './dom.js';

export class HubsView {
  constructor(
    private readonly panel: HTMLElement,
    private readonly list: HTMLElement,
  ) {}

  render(hubs: HubView[]): void {
    this.panel.hidden = hubs.length === 0;
    this.list.replaceChildren(
      ...hubs.map((hub) =>
        el(
          'li',
          { 'data-hub': hub.id, 'data-role': hub.role },
          el('strong', {}, hub.id),
          el('span', { class: 'detail' }, ` ${hub.role}${hub.self ? ' (this page’s hub)' : ''} · pid ${hub.pid} on ${hub.host} · heard ${(hub.beatAgoMs / 1000).toFixed(1)} s ago`),
        ),
      ),
    );
  }
}
