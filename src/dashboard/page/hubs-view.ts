/**
 * The hubs of a CAPS on Redis, active and standing by, from the roster in Redis: which one serves,
 * which wait to take over, how long ago each was last heard of, and how many clients each had
 * then. A standby does not listen, so this is where one shows that it is alive. On an embedded
 * store the panel stays hidden.
 *
 * The page's own hub, when it serves, has a "Stop this hub" button (the hub obeys controllers
 * only); every other hub's id links to its dashboard, which answers once that hub serves.
 */
import type { HubView } from '../../protocol/dashboard';
import { el } from './dom.js';

export class HubsView {
  constructor(
    private readonly panel: HTMLElement,
    private readonly list: HTMLElement,
    /** Asks the page's hub to stop; resolves once it has answered (or not in time). */
    private readonly stop: () => Promise<void>,
  ) {}

  render(hubs: HubView[]): void {
    this.panel.hidden = hubs.length === 0;
    this.list.replaceChildren(...hubs.map((hub) => this.item(hub)));
  }

  private item(hub: HubView): HTMLLIElement {
    // Another hub's dashboard: the same host name as this page (the roster's is the machine's own name), its port.
    const name = hub.self ? el('strong', {}, hub.id) : el('a', { href: `${location.protocol}//${location.hostname}:${hub.port}/` }, el('strong', {}, hub.id));
    const clients = hub.clients === undefined ? '' : ` · ${hub.clients} ${hub.clients === 1 ? 'client' : 'clients'}`;
    const detail = el('span', { class: 'detail' }, ` ${hub.role}${hub.self ? ' (this page’s hub)' : ''} · pid ${hub.pid} on ${hub.host} · heard ${(hub.beatAgoMs / 1000).toFixed(1)} s ago${clients} `);
    const item = el('li', { 'data-hub': hub.id, 'data-role': hub.role }, name, detail);
    if (hub.self && hub.role === 'active') {
      const button = el('button', { type: 'button', class: 'control control-stop-hub' }, 'Stop this hub');
      button.addEventListener('click', () => {
        button.setAttribute('aria-busy', 'true');
        void this.stop().finally(() => button.removeAttribute('aria-busy'));
      });
      item.append(button);
    }
    return item;
  }
}
