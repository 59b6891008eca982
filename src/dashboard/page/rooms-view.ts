/** The `/caps` rooms (one per store) and who is in each. */
import type { RoomView } from '../../protocol/dashboard';
import { el } from './dom.js';

export class RoomsView {
  constructor(
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
  ) {}

  render(rooms: RoomView[]): void {
    this.list.replaceChildren(
      ...rooms.map((room) =>
        el(
          'li',
          { 'data-room': room.name },
          el('strong', {}, room.name),
          el('span', { class: 'detail' }, room.members.length ? ` ${room.members.join(', ')}` : ' (empty)'),
        ),
      ),
    );
    this.empty.hidden = rooms.length > 0;
  }
}
