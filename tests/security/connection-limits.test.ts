/**
 * Connection limits: MAX_CONNECTIONS from everyone and MAX_CONNECTIONS_PER_ADDRESS from one other
 * machine (remote-callers.test.ts tries that one from a real second address). The accounting alone,
 * then a real hub: refused past the limit, with the reason in the refusal and the log, and a place
 * is given back when a connection closes, or when a handshake never becomes one. Whose address a
 * connection counts against: trusted-proxies.test.ts.
 */
import { connect } from 'node:net';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { DEFAULT_HUB_CONFIG, type TrustPolicy } from '../../src/config';
import { Callers } from '../../src/edge/caller';
import { ConnectionLimits } from '../../src/edge/connection-limits';
import { EdgeGuard, WARN_EVERY_MS } from '../../src/edge/edge-guard';
import { CapturingLogger, setup, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt } from './attempt';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const trust = (more: Partial<TrustPolicy>): TrustPolicy => ({ ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, ...more });
const remote = (address: string) => ({ address, loopback: false });
const local = { address: '127.0.0.1', loopback: true };

describe('the accounting', () => {
  it('limits other machines per address, and everyone together; a place given back is free again, once', () => {
    const limits = new ConnectionLimits({ maxConnections: 4, maxConnectionsPerAddress: 2 });
    const a1 = limits.take(remote('10.0.0.2'));
    limits.take(remote('10.0.0.2'));
    expect(limits.take(remote('10.0.0.2'))).toEqual({ refused: '10.0.0.2 holds 2 connections, the limit for one address (MAX_CONNECTIONS_PER_ADDRESS=2)' });
    limits.take(local);
    limits.take(local); // loopback has no limit of its own
    expect(limits.size).toBe(4);
    expect(limits.take(remote('10.0.0.3'))).toEqual({ refused: 'the hub holds 4 connections, its limit (MAX_CONNECTIONS=4); try again later' });
    if (!('place' in a1)) throw new Error('refused');
    a1.place.release();
    a1.place.release();
    expect(limits.size).toBe(3);
    expect(limits.take(remote('10.0.0.2'))).toHaveProperty('place');
    expect(limits.take(remote('10.0.0.2'))).toHaveProperty('refused');
  });

  it('logs refusals at most once per kind every WARN_EVERY_MS, with the count of those left out', () => {
    const logs = new CapturingLogger();
    let now = 0;
    const guard = new EdgeGuard(trust({ maxConnections: 1 }), new Callers([]), logs.logger, { now: () => now });
    const request = () => ({ headers: {}, socket: Object.assign(new EventEmitter(), { remoteAddress: '10.0.0.9' }) }) as unknown as IncomingMessage;
    const answers: boolean[] = [];
    for (const at of [0, 1, 2, 3, WARN_EVERY_MS + 3]) {
      now = at;
      guard.allowRequest(request(), (_err, ok) => answers.push(ok));
    }
    expect(answers).toEqual([true, false, false, false, false]);
    expect(logs.lines.map((l) => [l.msg, l.alsoRefused])).toEqual([
      ['refused: the hub holds 1 connections, its limit (MAX_CONNECTIONS=1); try again later', undefined],
      ['refused: the hub holds 1 connections, its limit (MAX_CONNECTIONS=1); try again later', 2],
    ]);
  });
});

describe("the guard's places", () => {
  /** A handshake request as the engine hands it to `allowRequest`, on a TCP socket of its own. */
  const handshake = () => {
    const socket = Object.assign(new EventEmitter(), { remoteAddress: '10.0.0.9', destroyed: false });
    return Object.assign({ headers: {}, socket }) as IncomingMessage & { socket: typeof socket };
  };
  const admitted = (guard: EdgeGuard, req: IncomingMessage) => {
    let ok: boolean | undefined;
    guard.allowRequest(req, (_err, success) => (ok = success));
    return ok;
  };
  /** Resolves once the turn of the event loop that admitted the handshakes has ended (a setImmediate after the guard's). */
  const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it("gives back a handshake's place at the end of its turn when its TCP connection is gone, and when it closes if still under way", async () => {
    const guard = new EdgeGuard(trust({}), new Callers([]), new CapturingLogger().logger);
    const gone = handshake();
    const slow = handshake();
    expect([admitted(guard, gone), admitted(guard, slow)]).toEqual([true, true]);
    // Turned down by the WebSocket layer (a malformed upgrade): destroyed, its `close` not emitted yet.
    gone.socket.destroyed = true;
    await endOfTurn();
    expect(guard.limits.size).toBe(1);
    expect(slow.socket.listenerCount('close')).toBe(1);
    slow.socket.emit('close');
    expect(guard.limits.size).toBe(0);
  });

  it('hands the place to the engine socket that takes the handshake over: no listener stays on the TCP socket, and the place is given back once, when the engine socket closes', async () => {
    const guard = new EdgeGuard(trust({}), new Callers([]), new CapturingLogger().logger);
    const engine = new EventEmitter();
    guard.watch(engine as unknown as Parameters<EdgeGuard['watch']>[0], new EventEmitter() as unknown as Parameters<EdgeGuard['watch']>[1]);
    const req = handshake();
    const other = handshake();
    admitted(guard, req);
    admitted(guard, other);
    const socket = Object.assign(new EventEmitter(), { request: req });
    engine.emit('connection', socket);
    await endOfTurn();
    expect(req.socket.listenerCount('close')).toBe(0);
    expect(guard.limits.size).toBe(2);
    socket.emit('close');
    socket.emit('close');
    expect(guard.limits.size).toBe(1);
    // The other handshake's place is its own: still held until its own end.
    other.socket.emit('close');
    expect(guard.limits.size).toBe(0);
  });
});

describe('a real hub', () => {
  it('refuses connections past MAX_CONNECTIONS, says why, and admits one again when another closes', async () => {
    const logs = new CapturingLogger();
    const hub = await t.hub({ trust: trust({ maxConnections: 2 }) }, logs.logger);
    const first = await attempt(t, hub.url);
    expect(await attempt(t, hub.url)).toMatchObject({ connected: true });
    expect(await attempt(t, hub.url)).toEqual({ connected: false, message: 'websocket error', data: 'Unexpected server response: 400' });
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 40, kind: 'too_many_connections', msg: expect.stringContaining('MAX_CONNECTIONS=2') }));

    // A lab client retries on its own, and gets in once a place is free.
    const waiting = t.labClient(hub);
    await waitFor(waiting, 'connect_error');
    if (!first.connected) throw new Error('the first client was refused');
    first.socket.disconnect();
    await waitFor(waiting, 'connect');
    expect(hub.nsp.sockets.size).toBe(2);
  });

  it('gives back the place of a WebSocket upgrade that never became a connection', async () => {
    const hub = await t.hub({ trust: trust({ maxConnections: 1 }) });
    // Admitted by the limits, then turned down by the WebSocket layer for its malformed key.
    const socket = connect(hub.port, '127.0.0.1');
    socket.end(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: malformed\r\n\r\n`);
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    await waitFor(socket, 'close');
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    // The only place is free again: a client gets in (retrying, should the close still be on its way).
    await waitFor(t.labClient(hub), 'connect');
  });
});
