/**
 * The clients list, with each client's controls. Rows are kept by client id and updated in place,
 * so a button keeps keyboard focus while the list changes around it.
 */
import type { ClientView, ControlAction } from '../../protocol/dashboard';
import { el, setLabel, setText } from './dom.js';

/** Called when a control is used; `button` is busy until the returned promise settles. */
export type CommandHandler = (action: ControlAction, clientId: string) => Promise<unknown>;

interface Row {
  item: HTMLLIElement;
  state: HTMLElement;
  detail: HTMLElement;
  post: HTMLButtonElement;
  pause: HTMLButtonElement;
  connection: HTMLButtonElement;
  client: ClientView;
}

const STATE_TEXT = { connected: 'connected', paused: 'paused', suspect: 'suspect: sent nothing', away: 'away' } as const;

export class ClientsView {
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly onCommand: CommandHandler,
  ) {}

  render(clients: ClientView[]): void {
    const seen = new Set<string>();
    for (const client of clients) {
      seen.add(client.id);
      const row = this.rows.get(client.id) ?? this.create(client);
      this.update(row, client);
    }
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue;
      row.item.remove();
      this.rows.delete(id);
    }
    // Move rows only if the order changed: moving a node takes the focus away from its buttons.
    const current = [...this.list.children];
    const wanted = clients.map((c) => this.rows.get(c.id)!.item);
    if (wanted.some((item, i) => current[i] !== item)) this.list.replaceChildren(...wanted);
    this.empty.hidden = clients.length > 0;
  }

  private create(client: ClientView): Row {
    const button = (action: ControlAction) => {
      const b = el('button', { type: 'button', class: `control control-${action}` });
      b.addEventListener('click', () => this.run(b, () => row.client.id, action));
      return b;
    };
    const state = el('span', { class: 'state' });
    const detail = el('span', { class: 'detail' });
    const post = button('post');
    const pause = button('pause');
    const connection = button('disconnect');
    const item = el(
      'li',
      { class: 'client', 'data-client-id': client.id },
      el('div', { class: 'client-head' }, el('span', { class: `role role-${client.role}` }, client.role), el('strong', { class: 'client-id' }, client.id), state),
      detail,
      el('div', { class: 'controls' }, post, pause, connection),
    );
    const row: Row = { item, state, detail, post, pause, connection, client };
    this.rows.set(client.id, row);
    return row;
  }

  private update(row: Row, client: ClientView): void {
    row.client = client;
    row.item.dataset.state = client.state;
    row.item.dataset.role = client.role;
    row.state.textContent = STATE_TEXT[client.state];
    row.state.className = `state state-${client.state}`;
    const parts = [client.store && client.role === 'vendor' ? `store ${client.store}` : '', client.queues.length ? `consumes ${client.queues.join(', ')}` : '', client.classroom ? 'classroom client' : '', client.controllable ? '' : 'not controllable'];
    setText(row.detail, parts.filter(Boolean).join(' · '));

    row.post.hidden = client.role !== 'vendor' || !client.controllable;
    row.post.textContent = 'Post order';
    setLabel(row.post, `Post an order as ${client.id}`);

    const paused = client.state === 'paused';
    row.pause.hidden = client.state === 'away';
    row.pause.textContent = paused ? 'Resume' : 'Pause';
    row.pause.dataset.action = paused ? 'resume' : 'pause';
    setLabel(row.pause, `${paused ? 'Resume' : 'Pause'} ${client.id}`);

    const away = client.state === 'away';
    row.connection.hidden = !client.controllable;
    row.connection.textContent = away ? 'Reconnect' : 'Disconnect';
    row.connection.dataset.action = away ? 'reconnect' : 'disconnect';
    setLabel(row.connection, `${away ? 'Reconnect' : 'Disconnect'} ${client.id}`);
  }

  /** Runs a command for the row's client; the button shows it is busy meanwhile. */
  private run(button: HTMLButtonElement, clientId: () => string, fallback: ControlAction): void {
    if (button.getAttribute('aria-busy') === 'true') return;
    const action = (button.dataset.action as ControlAction | undefined) ?? fallback;
    button.setAttribute('aria-busy', 'true');
    this.onCommand(action, clientId()).finally(() => button.removeAttribute('aria-busy'));
  }
}
