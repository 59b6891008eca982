/**
 * A client id's reservation (src/auth/live-connections.ts) ends with a handshake that never
 * becomes a connection: the client's transport closes after the check, or had closed before it.
 * Otherwise the client id would stay held for a client that is gone, and its rightful owner, or any
 * credential, would be refused from then on.
 *
 * Socket.IO drops such a handshake in the same turn that it completes, so the hub never shows the
 * window; these tests hold it open with a middleware of their own beside the registry's, on a
 * real Socket.IO server on port 0, with the hub's own `authenticate` and real socket.io-client
 * sockets.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io } from 'socket.io-client';
import { authenticate } from '../../src/auth/identity';
import { LiveConnections } from '../../src/auth/live-connections';
import { Callers } from '../../src/edge/caller';
import { issueToken } from '../../src/auth/token';
import { setup, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt, type Outcome } from './attempt';

const key = new TextEncoder().encode(TEST_SECRET);
const ID = 'driver-1';
type Middleware = (socket: Socket, next: (err?: Error) => void) => void;

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/**
 * Holds the handshake of a client whose `auth` says `hold` until its transport closes, then lets
 * it go on (Socket.IO then drops it); says `holding` and `dropped` on `held`.
 */
function holdUntilClosed(held: EventEmitter): Middleware {
  return (socket, next) => {
    if ((socket.handshake.auth as { hold?: unknown }).hold !== true) return next();
    socket.conn.once('close', () => {
      next();
      held.emit('dropped');
    });
    held.emit('holding');
  };
}

/** A server whose namespace `/t` authenticates drivers, then runs `middlewares`, and keeps `live` as the hub does. */
async function serve(middlewares: (live: LiveConnections<Socket>) => Middleware[]): Promise<string> {
  const http = createServer();
  const io = new Server(http);
  t.defer(() => new Promise((resolve) => io.close(resolve)));
  const live = new LiveConnections<Socket>();
  const nsp = io.of('/t');
  nsp.use(authenticate({ key, classroom: 'local', roles: ['driver'], callers: new Callers([]) }));
  for (const middleware of middlewares(live)) nsp.use(middleware);
  nsp.on('connection', (socket) => {
    live.admit(socket);
    socket.on('disconnect', () => live.leave(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/**
 * A client connects as `ID` and leaves while its handshake is held; then another credential
 * connects as `ID`, and its outcome is returned.
 */
async function anotherAfterOneLeftWhileHeld(url: string, held: EventEmitter): Promise<Outcome> {
  const [first, other] = await Promise.all([issueToken(key, { role: 'driver', name: ID, clientId: ID }), issueToken(key, { role: 'driver', name: 'someone-else', clientId: ID })]);
  const holding = waitFor(held, 'holding');
  const dropped = waitFor(held, 'dropped');
  const client = io(`${url}/t`, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: first, hold: true } });
  t.defer(() => client.disconnect());
  await holding;
  // Its only namespace: socket.io-client closes the transport with it.
  client.disconnect();
  await dropped;
  return attempt(t, url, { namespace: '/t', auth: { token: other } });
}

describe('a client id reserved for a handshake that never becomes a connection', () => {
  it('is given back when the transport closes after the check', async () => {
    const held = new EventEmitter();
    const url = await serve((live) => [live.reserve, holdUntilClosed(held)]);
    expect(await anotherAfterOneLeftWhileHeld(url, held)).toMatchObject({ connected: true });
  });

  it('is never taken when the transport closed before the check', async () => {
    const held = new EventEmitter();
    const url = await serve((live) => [holdUntilClosed(held), live.reserve]);
    expect(await anotherAfterOneLeftWhileHeld(url, held)).toMatchObject({ connected: true });
  });

  it('stays taken while the handshake is only slow: another credential is refused meanwhile', async () => {
    const held = new EventEmitter();
    const url = await serve((live) => [live.reserve, holdUntilClosed(held)]);
    const [first, other] = await Promise.all([issueToken(key, { role: 'driver', name: ID, clientId: ID }), issueToken(key, { role: 'driver', name: 'someone-else', clientId: ID })]);
    const holding = waitFor(held, 'holding');
    const client = io(`${url}/t`, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: first, hold: true } });
    t.defer(() => client.disconnect());
    await holding;
    expect(await attempt(t, url, { namespace: '/t', auth: { token: other } })).toEqual({
      connected: false,
      message: `client ${ID} is connected with another credential`,
      data: { code: 'forbidden' },
    });
  });
});
