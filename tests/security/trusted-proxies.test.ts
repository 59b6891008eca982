/**
 * Who the caller is behind proxies (edge/caller.ts): `X-Forwarded-For` believed from loopback and
 * from `TRUSTED_PROXIES` only, walked from the right to the first hop that is not a trusted proxy.
 * The rule alone, then real hubs reached at this machine's non-loopback address, so that the hub
 * sees a peer that is not loopback: the per-address limit counts forwarded callers one by one when
 * that peer is trusted, and the header is ignored (and cannot open the dashboard) when it is not.
 */
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { DEFAULT_HUB_CONFIG, type TrustPolicy } from '../../src/config';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { Callers } from '../../src/edge/caller';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import { DASHBOARD_NAMESPACE } from '../../src/protocol/dashboard';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { attempt, type Outcome } from './attempt';

/** A request from `peer`, carrying `forwarded` as its `X-Forwarded-For` (none if undefined). */
const req = (peer: string, forwarded?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;
const remote = (address: string) => ({ address, loopback: false });

describe('the rule', () => {
  it("takes a loopback proxy's last entry for the caller; loopback only for a caller on this machine", () => {
    const callers = new Callers([]);
    expect(callers.of(req('127.0.0.1', '203.0.113.9'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('::1', '127.0.0.1'))).toEqual({ address: '127.0.0.1', loopback: true });
    expect(callers.of(req('::1'))).toEqual({ address: '::1', loopback: true });
    expect(callers.of(req('::1', ' , '))).toEqual({ address: '::1', loopback: true });
    // A local process that forges an entry before its proxy's only makes itself look remote.
    expect(callers.of(req('::1', '198.51.100.1, 127.0.0.1'))).toEqual(remote('198.51.100.1'));
  });

  it("takes a listed remote proxy's last entry, and nothing the caller wrote before it", () => {
    const callers = new Callers(['10.0.0.5']);
    expect(callers.of(req('10.0.0.5', '203.0.113.9'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('10.0.0.5', '127.0.0.1, 198.51.100.1, 203.0.113.9'))).toEqual(remote('203.0.113.9'));
    // With nothing forwarded (its health check), the proxy itself.
    expect(callers.of(req('10.0.0.5'))).toEqual(remote('10.0.0.5'));
  });

  it("ignores an unlisted remote peer's header, even one that claims loopback", () => {
    const callers = new Callers(['10.0.0.5']);
    expect(callers.of(req('10.0.0.7', '127.0.0.1'))).toEqual(remote('10.0.0.7'));
    expect(callers.of(req('10.0.0.7', '203.0.113.9'))).toEqual(remote('10.0.0.7'));
    expect(new Callers([]).of(req('10.0.0.5', '203.0.113.9'))).toEqual(remote('10.0.0.5'));
  });

  it('walks a chain of trusted proxies from the right to the first hop that is not one, and stops at an untrusted one', () => {
    const callers = new Callers(['10.0.0.5', '10.0.0.6']);
    expect(callers.of(req('10.0.0.5', '198.51.100.1, 203.0.113.9, 10.0.0.6'))).toEqual(remote('203.0.113.9'));
    // A balancer in front of nginx on the hub's machine: a loopback peer, then the balancer.
    expect(callers.of(req('127.0.0.1', '203.0.113.9, 10.0.0.5'))).toEqual(remote('203.0.113.9'));
    // 10.0.0.8 is not trusted: what it says of its own caller is not believed.
    expect(callers.of(req('10.0.0.5', '203.0.113.9, 10.0.0.8'))).toEqual(remote('10.0.0.8'));
  });

  it('takes the leftmost entry of a header that names only trusted proxies: the farthest hop there is', () => {
    const callers = new Callers(['10.0.0.5', '10.0.0.6']);
    expect(callers.of(req('10.0.0.5', '10.0.0.6'))).toEqual(remote('10.0.0.6'));
    expect(callers.of(req('10.0.0.5', '10.0.0.6, 10.0.0.5'))).toEqual(remote('10.0.0.6'));
  });

  it("takes a loopback address written by a proxy on another machine for that machine, not for the hub's", () => {
    const callers = new Callers(['10.0.0.5']);
    expect(callers.of(req('10.0.0.5', '127.0.0.1'))).toEqual(remote('10.0.0.5'));
    // What a proxy on the balancer's machine says (nginx before haproxy) is believed, as the balancer is.
    expect(callers.of(req('10.0.0.5', '203.0.113.9, 127.0.0.1'))).toEqual(remote('203.0.113.9'));
    // A client on the balancer's machine, through the balancer, through nginx on the hub's.
    expect(callers.of(req('::1', '::1, 10.0.0.5'))).toEqual(remote('10.0.0.5'));
  });

  it('takes IPv4 addresses mapped into IPv6 as the IPv4 addresses, in the list, the peer and the header', () => {
    const callers = new Callers(['::ffff:10.0.0.6', '10.0.0.5', 'fd00::5', '::ffff:a00:7']);
    expect(callers.of(req('10.0.0.7', '203.0.113.9'))).toEqual(remote('203.0.113.9')); // listed in hex, as ::ffff:a00:7
    expect(callers.of(req('::ffff:10.0.0.2'))).toEqual(remote('10.0.0.2'));
    expect(callers.of(req('::ffff:10.0.0.5', '::ffff:203.0.113.9'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('::FFFF:10.0.0.6', '203.0.113.9, ::ffff:10.0.0.5'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('::ffff:127.0.0.1', '::ffff:127.0.0.1'))).toEqual({ address: '127.0.0.1', loopback: true });
    expect(callers.of(req('fd00::5', '2001:db8::9'))).toEqual(remote('2001:db8::9'));
  });

  it('reads an entry with the port its proxy saw as the address alone', () => {
    const callers = new Callers(['10.0.0.5', 'fd00::5']);
    expect(callers.of(req('10.0.0.5', '203.0.113.9:51234'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('10.0.0.5', '[2001:db8::9]:443'))).toEqual(remote('2001:db8::9'));
    // A proxy's own entry with a port is still that proxy: the caller is the one before it.
    expect(callers.of(req('10.0.0.5', '198.51.100.1:1000, [fd00::5]:8080'))).toEqual(remote('198.51.100.1'));
    // What is not an address and a port stays as written, and so is no proxy.
    expect(callers.of(req('10.0.0.5', '203.0.113.9:x'))).toEqual(remote('203.0.113.9:x'));
  });

  it('trusts every address of a listed range, IPv4 or IPv6, and compares addresses, not their spellings', () => {
    const callers = new Callers(['10.0.1.0/24', 'fd00:1::/64', 'FD00:0::5']);
    expect(callers.of(req('10.0.1.77', '203.0.113.9'))).toEqual(remote('203.0.113.9'));
    expect(callers.of(req('::ffff:10.0.1.78', '203.0.113.9'))).toEqual(remote('203.0.113.9'));
    // The next /24 is not in it: what it says of its caller is not believed.
    expect(callers.of(req('10.0.2.1', '203.0.113.9'))).toEqual(remote('10.0.2.1'));
    expect(callers.of(req('fd00:1::abcd', '2001:db8::9'))).toEqual(remote('2001:db8::9'));
    expect(callers.of(req('fd00:2::1', '2001:db8::9'))).toEqual(remote('fd00:2::1'));
    expect(callers.of(req('fd00:0:0::5', '2001:db8::9'))).toEqual(remote('2001:db8::9'));
    // A chain through the range: each hop in it is passed over; an entry that is no address is no proxy.
    expect(callers.of(req('10.0.1.1', '198.51.100.1, 10.0.1.2'))).toEqual(remote('198.51.100.1'));
    expect(callers.of(req('10.0.1.1', '203.0.113.9, unknown'))).toEqual(remote('unknown'));
  });
});

/** This machine's first non-loopback IPv4 address, the hub's peer address for clients that dial it. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info !== undefined && info.family === 'IPv4' && !info.internal)?.address;
if (!lanAddress) console.warn('trusted-proxies: skipping the real hubs: this machine has no non-loopback IPv4 address to reach them at');

(lanAddress ? describe : describe.skip)(`real hubs, reached at this machine's address (${lanAddress})`, () => {
  let t: TestContext;
  beforeEach(async () => (t = await setup()));
  afterEach(() => t.cleanup());

  const trust = (more: Partial<TrustPolicy>): TrustPolicy => ({ ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, classroom: 'open', maxConnectionsPerAddress: 1, ...more });
  const at = (hub: Hub) => `http://${lanAddress}:${hub.port}`;
  const from = (hub: Hub, caller: string) => attempt(t, at(hub), { headers: { 'x-forwarded-for': caller } });
  const addressOf = (hub: Hub, outcome: Outcome) => (outcome.connected ? hub.nsp.sockets.get(outcome.socket.id!)?.data.identity?.address : outcome.message);
  const limited = { connected: false, message: 'websocket error', data: 'Unexpected server response: 400' };

  it('gives each caller a trusted proxy forwards its own MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const hub = await t.hub({ trust: trust({ trustedProxies: [lanAddress!] }) });
    const first = await from(hub, '203.0.113.1');
    const second = await from(hub, '203.0.113.2');
    expect([addressOf(hub, first), addressOf(hub, second)]).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(await from(hub, '203.0.113.1')).toEqual(limited);
    expect(await from(hub, '203.0.113.2')).toEqual(limited);
  });

  it("trusts a proxy by a range that holds its address, as by the address", async () => {
    const subnet = `${lanAddress!.split('.').slice(0, 3).join('.')}.0/24`;
    const hub = await t.hub({ trust: trust({ trustedProxies: [subnet] }) });
    const first = await from(hub, '203.0.113.1');
    expect(addressOf(hub, first)).toBe('203.0.113.1');
    expect(await from(hub, '203.0.113.1')).toEqual(limited);
  });

  it("ignores the header from a peer that is not a trusted proxy: every caller counts against the peer's address", async () => {
    const hub = await t.hub({ trust: trust({}) });
    const first = await from(hub, '203.0.113.1');
    expect(addressOf(hub, first)).toBe(lanAddress);
    expect(await from(hub, '203.0.113.2')).toEqual(limited);
  });

  it("keeps the dashboard from a remote peer that claims to forward 127.0.0.1, trusted or not", async () => {
    for (const trustedProxies of [[], [lanAddress!]]) {
      const hub = await t.hub({ trust: trust({ trustedProxies }) });
      const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
      t.defer(() => dashboard.close());
      const forged = { 'x-forwarded-for': '127.0.0.1' };
      const refused = { connected: false, message: expect.stringContaining(`${lanAddress} is not one`), data: { code: 'forbidden' } };
      expect(await attempt(t, at(hub), { namespace: DASHBOARD_NAMESPACE, headers: forged })).toEqual(refused);
      expect((await fetch(`${at(hub)}/dead-letters`, { headers: forged })).status).toBe(403);
      // The same page from this machine's loopback is let in, as before.
      expect(await attempt(t, hub.url, { namespace: DASHBOARD_NAMESPACE })).toMatchObject({ connected: true });
    }
  });
});
