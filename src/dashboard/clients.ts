/**
 * The vendors and drivers the dashboard lists: every `/caps` session, grouped by client id, and
 * the clients that are away, so that the page can show a driver that was stopped and bring it back.
 *
 * A client is `connected`, `paused` (the hub sends it nothing new) or `away` (no `/caps`
 * connection now). An away client stays listed while it keeps its `/control` socket open; other
 * away clients are forgotten after a while: classroom clients, whose id is a socket id that will
 * never come back, sooner than ours.
 */
import type { ClientState, ClientView, ControlHandshake } from '../protocol/dashboard';
import type { SessionChange, SessionView } from './port';

const FORGET_AWAY_MS = { classroom: 60_000, ours: 10 * 60_000 } as const;

interface Entry {
  id: string;
  role: ClientView['role'];
  store: string | undefined;
  classroom: boolean;
  /**
   * Its `/caps` sockets now; more than one while a reconnect overlaps the old connection. An array
   * replaced on change, not a Set: a hub holds thousands of these, nearly all with one socket.
   */
  socketIds: readonly string[];
  controllable: boolean;
  state: ClientState;
  since: number;
}

export class ClientDirectory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** The hub's live session with a socket id, if any. */
    private readonly session: (socketId: string) => SessionView | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows the hub's `session` activity. Returns a line for the event log, if the change is worth one. */
  onSession(info: SessionView, change: SessionChange): string | undefined {
    const entry = this.entry(info.clientId, { role: info.role, store: info.store, classroom: info.classroom });
    if (info.role !== 'unknown') entry.role = info.role;
    entry.store = info.store ?? entry.store;
    const before = entry.state;
    if (change === 'disconnected') entry.socketIds = entry.socketIds.filter((id) => id !== info.socketId);
    else if (!entry.socketIds.includes(info.socketId)) entry.socketIds = entry.socketIds.concat(info.socketId);
    const after = this.refresh(entry);
    const who = `${entry.role === 'unknown' ? 'client' : entry.role} ${entry.id}`;
    if (change === 'connected') return `${who} connected`;
    if (change === 'disconnected') return after === 'away' ? `${who} disconnected` : undefined;
    if (before !== after) return `${who} ${after === 'paused' ? 'paused' : 'resumed'}`;
    return undefined;
  }

  /** A controllable client opened (`true`) or closed its `/control` socket. */
  setControllable(handshake: ControlHandshake, controllable: boolean): void {
    const entry = this.entry(handshake.clientId, { role: handshake.role, store: handshake.store, classroom: false });
    entry.controllable = controllable;
  }

  /** The live sessions of one client. */
  sessionsOf(clientId: string): SessionView[] {
    const entry = this.entries.get(clientId);
    return entry ? entry.socketIds.flatMap((id) => this.session(id) ?? []) : [];
  }

  /** One client as the page shows it. */
  get(clientId: string): ClientView | undefined {
    const entry = this.entries.get(clientId);
    return entry && this.view(entry);
  }

  /** Every client, vendors first, then drivers, then the rest, each by id. Forgets long-gone ones. */
  list(): ClientView[] {
    this.prune();
    const order = { vendor: 0, driver: 1, unknown: 2 };
    return [...this.entries.values()]
      .map((entry) => this.view(entry))
      .sort((a, b) => order[a.role] - order[b.role] || a.id.localeCompare(b.id));
  }

  /** Forgets clients that have been away too long (see the top of this file). */
  prune(): void {
    const now = this.now();
    for (const entry of this.entries.values()) {
      const forgetAfter = entry.classroom ? FORGET_AWAY_MS.classroom : FORGET_AWAY_MS.ours;
      if (entry.state === 'away' && !entry.controllable && now - entry.since > forgetAfter) this.entries.delete(entry.id);
    }
  }

  private view(entry: Entry): ClientView {
    const queues = new Set(this.sessionsOf(entry.id).flatMap((s) => s.queues));
    return {
      id: entry.id,
      role: entry.role,
      ...(entry.store === undefined ? {} : { store: entry.store }),
      classroom: entry.classroom,
      state: entry.state,
      controllable: entry.controllable,
      queues: [...queues],
      since: entry.since,
    };
  }

  private entry(id: string, fields: Pick<Entry, 'role' | 'store' | 'classroom'>): Entry {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { id, ...fields, socketIds: [], controllable: false, state: 'away', since: this.now() };
      this.entries.set(id, entry);
    }
    return entry;
  }

  private refresh(entry: Entry): ClientState {
    const sessions = this.sessionsOf(entry.id);
    const state: ClientState =
      entry.socketIds.length === 0 ? 'away' : sessions.some((s) => s.suspect) ? 'suspect' : sessions.some((s) => s.paused) ? 'paused' : 'connected';
    if (state !== entry.state) {
      entry.state = state;
      entry.since = this.now();
    }
    return state;
  }
}
