/**
 * Issue 10: a client id belongs to one credential at a time, even when two credentials for it
 * connect at the same instant, on `/caps` and on `/control` (real hub on port 0): exactly one of
 * each pair is let in, and the other is refused as the documented `forbidden`. The same credential
 * racing itself is a quick reconnect, and still takes over; and a client id whose connection has
 * gone is free again.
 *
 * The hub handles each connection's packets in a turn of its event loop of their own, and checks
 * a handshake within that turn; two handshakes meet inside one check only when one connection
 * carries both: here one long-polling request (polling-session.ts). Pairs of socket.io-client
 * sockets on connections of their own are raced too, as clients usually arrive.
 */
import type { Socket } from 'socket.io-client';
import { issueToken } from '../../src/auth/token';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import { CONTROL_NAMESPACE } from '../../src/protocol/dashboard';
import { CAPS_NAMESPACE } from '../../src/protocol/events';
import { CAPS_PROTOCOL } from '../../src/protocol/handshake';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt, type Outcome } from './attempt';
import { PollingSession } from './polling-session';

const key = new TextEncoder().encode(TEST_SECRET);
const PAIRS = 20;
const ids = Array.from({ length: PAIRS }, (_, i) => `driver-${i}`);

let t: TestContext;
let hub: Hub;
beforeEach(async () => {
  t = await setup();
  hub = await t.hub();
  // `/control` is served once the dashboard is attached, as `npm run hub` does.
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
});
afterEach(() => t.cleanup());

/** The two credentials for `clientId`: its driver's token, and another valid token naming the same client id. */
async function credentialsFor(clientId: string): Promise<[genuine: string, impostor: string]> {
  return Promise.all([issueToken(key, { role: 'driver', name: clientId, clientId }), issueToken(key, { role: 'driver', name: `not-${clientId}`, clientId })]);
}

/** What our driver sends on each namespace, with `token`. */
function authFor(namespace: string, clientId: string, token: string): Record<string, unknown> {
  return namespace === CAPS_NAMESPACE ? { caps: CAPS_PROTOCOL, role: 'driver', clientId, token } : { role: 'driver', clientId, token };
}

/** The hub's live sockets of `namespace`, by the client id of their identity. */
function liveByClient(namespace: string): Map<string, string[]> {
  const live = new Map<string, string[]>();
  for (const socket of hub.io.of(namespace).sockets.values()) {
    const identity = socket.data.identity as { clientId?: string } | undefined;
    if (identity?.clientId !== undefined) live.set(identity.clientId, [...(live.get(identity.clientId) ?? []), socket.id]);
  }
  return live;
}

const connected = (outcome: Outcome): Socket => {
  if (!outcome.connected) throw new Error(`not connected: ${outcome.message}`);
  return outcome.socket;
};

/** A Socket.IO packet as the hub wrote it: `40` connect, `41` disconnect, `44` connect_error; and its data. */
function packetOf(text: string): { type: string; data: unknown } {
  const comma = text.indexOf(',');
  return { type: text.slice(0, 2), data: comma + 1 < text.length ? JSON.parse(text.slice(comma + 1)) : undefined };
}

/** Sends the handshakes of `tokens` for `clientId` to `namespace` in one request, and returns the hub's first two answers, and any that came with them. */
async function handshakesTogether(namespace: string, clientId: string, tokens: string[]): Promise<{ type: string; data: unknown }[]> {
  const session = await PollingSession.open(hub.port);
  t.defer(() => session.close());
  await session.send(tokens.map((token) => `40${namespace},${JSON.stringify(authFor(namespace, clientId, token))}`));
  return (await session.receive(tokens.length)).map(packetOf);
}

describe.each([CAPS_NAMESPACE, CONTROL_NAMESPACE])('on %s', (namespace) => {
  const refused = (id: string) => ({ message: `client ${id} is connected with another credential`, data: { code: 'forbidden' } });

  it(`admits exactly one of two credentials whose handshakes for one client id arrive in one request (${PAIRS} client ids at once)`, async () => {
    const tokens = await Promise.all(ids.map(credentialsFor));
    const answers = await Promise.all(ids.map((id, i) => handshakesTogether(namespace, id, tokens[i]!)));
    const live = liveByClient(namespace);
    ids.forEach((id, i) => {
      const admitted = live.get(id);
      expect({ id, admitted: admitted?.length }).toEqual({ id, admitted: 1 });
      expect(answers[i]).toEqual([
        { type: '40', data: { sid: admitted![0], pid: expect.any(String) } },
        { type: '44', data: refused(id) },
      ]);
    });
    expect(live.size).toBe(PAIRS);
  });

  it(`admits exactly one of two socket.io-client sockets with different credentials for one client id, opened at once (${PAIRS} client ids at once)`, async () => {
    const tokens = await Promise.all(ids.map(credentialsFor));
    const outcomes = await Promise.all(ids.flatMap((id, i) => tokens[i]!.map((token) => attempt(t, hub.url, { namespace, auth: authFor(namespace, id, token) }))));
    const live = liveByClient(namespace);
    ids.forEach((id, i) => {
      const pair = outcomes.slice(2 * i, 2 * i + 2);
      const admitted = pair.filter((o) => o.connected);
      expect({ id, admitted: admitted.length }).toEqual({ id, admitted: 1 });
      expect(pair.find((o) => !o.connected)).toEqual({ connected: false, ...refused(id) });
      // The one let in is the client id's live connection, and still connected.
      const winner = connected(admitted[0]!);
      expect(winner.connected).toBe(true);
      expect(live.get(id)).toEqual([winner.id]);
    });
    expect(live.size).toBe(PAIRS);
  });

  it('lets the same credential connecting twice in one request take over, as a quick reconnect does: both are let in, the later stays', async () => {
    const tokens = await Promise.all(ids.map(credentialsFor));
    const answers = await Promise.all(ids.map((id, i) => handshakesTogether(namespace, id, [tokens[i]![0], tokens[i]![0]])));
    const live = liveByClient(namespace);
    ids.forEach((id, i) => {
      const [first, second] = answers[i]!;
      expect([first?.type, second?.type]).toEqual(['40', '40']);
      expect(live.get(id)).toEqual([(second!.data as { sid: string }).sid]);
      expect(hub.io.of(namespace).sockets.has((first!.data as { sid: string }).sid)).toBe(false);
    });
  });

  it('frees a client id when its connection leaves: another credential is then let in, and the first is refused in its turn', async () => {
    const id = 'driver-1';
    const [genuine, impostor] = await credentialsFor(id);
    const first = connected(await attempt(t, hub.url, { namespace, auth: authFor(namespace, id, genuine) }));
    expect(await attempt(t, hub.url, { namespace, auth: authFor(namespace, id, impostor) })).toEqual({ connected: false, ...refused(id) });

    const gone = waitFor(hub.io.of(namespace).sockets.get(first.id!)!, 'disconnect');
    first.disconnect();
    await gone;
    const second = connected(await attempt(t, hub.url, { namespace, auth: authFor(namespace, id, impostor) }));
    expect(liveByClient(namespace).get(id)).toEqual([second.id]);
    expect(await attempt(t, hub.url, { namespace, auth: authFor(namespace, id, genuine) })).toEqual({ connected: false, ...refused(id) });
  });
});
