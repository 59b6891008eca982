/**
 * The adapter beneath the hub's Socket.IO server: what keeps a classroom client's rooms and role
 * across a quick reconnect (Socket.IO's connection state recovery), without what Socket.IO's own
 * recovery adapter does to every event.
 *
 * Socket.IO's `SessionAwareAdapter` appends an offset to every event it sends without an ack, and
 * keeps each such packet for the recovery window to replay it. A handler in another language that
 * takes exactly the lab's arguments (python-socketio's `def on_pickup(payload)`) then crashes on
 * the extra one, and the replay is not needed: the queues send a reconnected client what it had
 * not acknowledged, and a replayed pickup would only reach it twice. So this adapter is the plain
 * in-memory one (no offsets, no packets) plus the session half of recovery:
 *
 * - `persistSession`: Socket.IO calls it when a socket drops for a reason it can recover from
 *   (a transport error or close, a ping timeout). A classroom client's session (its socket id,
 *   private id `pid`, rooms and `socket.data`: its store or driver role) is kept for
 *   `RECOVERY_WINDOW_MS`; ours say who they are on every connect and need nothing kept.
 * - `restoreSession`: Socket.IO calls it when a client reconnects with `auth: { pid, offset }`, and
 *   builds the new socket from what it returns (same id, same rooms, same data; `recovered`).
 *   socket.io-client sends `pid` (which the server handed it at connect) and the last string it
 *   saw as the final argument of an event (`offset`); Socket.IO tries a restore only when both are
 *   strings. The hub gives a classroom client that string once, as the final argument of its
 *   `session` event (`RECOVERY_OFFSET`), which is no lab event; lab events carry exactly the lab's
 *   arguments. A session is restored once, and not after the window.
 */
import { Adapter, type Session } from 'socket.io-adapter';

/**
 * The offset a classroom client is handed in its `session` event, and sends back to reconnect.
 * Not a secret, as Socket.IO's offsets are not: the session is found by its `pid`, which is.
 */
export const RECOVERY_OFFSET = 'caps';

/** What Socket.IO hands `persistSession` (the adapter's module does not export its name). */
type SessionToPersist = Parameters<Adapter['persistSession']>[0];

export class RecoveryAdapter extends Adapter {
  /** Dropped classroom sessions by `pid`, oldest first (a re-persisted one moves to the end). */
  private readonly dropped = new Map<string, SessionToPersist & { droppedAt: number }>();

  private get windowMs(): number {
    // Socket.IO's own adapter reads it there too; the server's options are private in its typings.
    const nsp = this.nsp as { server: { opts: { connectionStateRecovery?: { maxDisconnectionDuration?: number } } } };
    return nsp.server.opts.connectionStateRecovery?.maxDisconnectionDuration ?? 0;
  }

  override persistSession(session: SessionToPersist): void {
    this.forgetExpired(Date.now());
    if ((session.data as { handshake?: unknown } | undefined)?.handshake !== undefined) return; // one of our clients
    this.dropped.delete(session.pid);
    this.dropped.set(session.pid, { ...session, droppedAt: Date.now() });
  }

  override restoreSession(pid: string, offset: string): Promise<Session> {
    this.forgetExpired(Date.now());
    const kept = this.dropped.get(pid);
    // Socket.IO's typings promise a session; its namespace treats a null one as "not recovered".
    if (!kept || offset !== RECOVERY_OFFSET) return Promise.resolve(null as unknown as Session);
    this.dropped.delete(pid);
    const { droppedAt: _droppedAt, ...session } = kept;
    return Promise.resolve({ ...session, missedPackets: [] });
  }

  /** Drops sessions older than the window; they are in drop order, so the scan stops early. */
  private forgetExpired(now: number): void {
    const oldest = now - this.windowMs;
    for (const [pid, session] of this.dropped) {
      if (session.droppedAt >= oldest) break;
      this.dropped.delete(pid);
    }
  }
}
