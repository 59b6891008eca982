/**
 * Callers from another machine: a network namespace joined by a veth pair
 * (tests/dashboard/network-namespace.ts), from which a small client (fixtures/remote-client.ts)
 * reaches the hub from a non-loopback address. Where namespaces cannot be made (not root, not
 * Linux), these tests are skipped with the reason printed; identity.test.ts covers the same rules
 * through a forwarding proxy's header.
 */
import { issueToken } from '../../src/auth/token';
import { DEFAULT_HUB_CONFIG, type TrustPolicy } from '../../src/config';
import type { Hub } from '../../src/hub/hub';
import type { Envelope } from '../../src/protocol/envelope';
import { CAPS_PROTOCOL } from '../../src/protocol/handshake';
import { createNetworkNamespace, type NetworkNamespace } from '../dashboard/network-namespace';
import { setup, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt, type AttemptOptions } from './attempt';

const ROOT = `${__dirname}/../..`;
const key = new TextEncoder().encode(TEST_SECRET);
const trust = (more: Partial<TrustPolicy>): TrustPolicy => ({ ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, ...more });

const ns: NetworkNamespace | { unavailable: string } = createNetworkNamespace();
const remote = 'unavailable' in ns ? undefined : ns;
if (!remote) console.warn(`remote-callers: skipping: ${(ns as { unavailable: string }).unavailable}`);
afterAll(() => remote?.remove());

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** Runs the attempts from the other machine, in turn, and returns what its client saw. */
async function fromElsewhere(hub: Hub, attempts: AttemptOptions[]): Promise<unknown[]> {
  const out = await remote!.exec(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tests/security/fixtures/remote-client.ts', `http://${remote!.hostAddress}:${hub.port}`, JSON.stringify(attempts)], { cwd: ROOT });
  return JSON.parse(out) as unknown[];
}

/** The addresses the hub saw its `/caps` callers at. */
function addressesSeen(hub: Hub): string[] {
  const seen: string[] = [];
  hub.nsp.on('connection', (socket) => seen.push(socket.data.identity!.address));
  return seen;
}

(remote ? describe : describe.skip)('a caller on another machine (a network namespace)', () => {
  it('is refused without a token, even claiming to be forwarded from loopback, and is who its token says with one; a local vendor and driver lose nothing', async () => {
    const hub = await t.hub();
    const vendor = t.vendor(hub, 'acme-widgets');
    const driver = t.driver(hub, 'driver-1');
    // Both connected before the hub's callers are recorded, so that only the other machine's are.
    await Promise.all([waitFor(vendor, 'connected'), waitFor(driver, 'connected')]);
    const seen = addressesSeen(hub);
    const handshake = { caps: CAPS_PROTOCOL, role: 'vendor', clientId: 'vendor:acme-widgets', store: 'acme-widgets' };
    const token = await issueToken(key, { role: 'vendor', store: 'acme-widgets', clientId: 'vendor:acme-widgets-remote' });
    const [anonymous, lab, spoofed, withToken, otherStore] = await fromElsewhere(hub, [
      { auth: handshake },
      {},
      // Only a proxy on the hub's machine is believed about the caller it forwards.
      { headers: { 'x-forwarded-for': '127.0.0.1' } },
      { auth: { ...handshake, clientId: 'vendor:acme-widgets-remote', token } },
      { auth: { ...handshake, store: '1-800-flowers', token } },
    ]);
    const unauthenticated = { message: expect.stringContaining(`clients without a token may connect only from the hub's own machine, and ${remote!.nsAddress}`), data: { code: 'unauthenticated' } };
    expect(anonymous).toEqual({ message: expect.stringContaining('a vendor handshake needs a token to vouch for it'), data: { code: 'unauthenticated' } });
    expect(lab).toEqual(unauthenticated);
    expect(spoofed).toEqual(unauthenticated);
    expect(withToken).toEqual({ connected: true });
    expect(otherStore).toEqual({ message: 'this token is for store acme-widgets, not 1-800-flowers', data: { code: 'forbidden' } });
    expect(seen).toEqual([remote!.nsAddress]);

    const thanked = waitFor<[Envelope]>(vendor, 'thanked');
    const posted = await vendor.post();
    expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
  });

  it('is let in anonymously with CLASSROOM=open, up to MAX_CONNECTIONS_PER_ADDRESS, while this machine is not limited and its vendor and driver lose nothing', async () => {
    const hub = await t.hub({ trust: trust({ classroom: 'open', maxConnectionsPerAddress: 2 }) });
    const vendor = t.vendor(hub, 'acme-widgets');
    const driver = t.driver(hub, 'driver-1');
    // Both connected before the hub's callers are recorded, so that only the other machine's are.
    await Promise.all([waitFor(vendor, 'connected'), waitFor(driver, 'connected')]);
    const seen = addressesSeen(hub);
    const results = await fromElsewhere(hub, [{}, {}, {}]);
    expect(results).toEqual([{ connected: true }, { connected: true }, { message: 'websocket error', data: 'Unexpected server response: 400' }]);
    expect(seen).toEqual([remote!.nsAddress, remote!.nsAddress]);
    // This machine's callers have no limit of their own, only the overall one.
    for (let i = 0; i < 3; i++) expect(await attempt(t, hub.url)).toMatchObject({ connected: true });
    const thanked = waitFor<[Envelope]>(vendor, 'thanked');
    const posted = await vendor.post();
    expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
  });
});
