/**
 * Who a `/caps` connection is: a token's claims, never the handshake's say-so; or anonymous, from
 * this machine only. Real hubs on port 0, real socket.io-client sockets; for callers on another
 * machine see remote-callers.test.ts.
 */
import { issueToken, type TokenClaims } from '../../src/auth/token';
import type { Identity } from '../../src/auth/identity';
import { CLASSROOM_OPEN_WARNING } from '../../src/auth/classroom';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import type { Hub } from '../../src/hub/hub';
import type { Envelope } from '../../src/protocol/envelope';
import { CAPS_PROTOCOL } from '../../src/protocol/handshake';
import { CapturingLogger, setup, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt, type Outcome } from './attempt';

const key = new TextEncoder().encode(TEST_SECRET);
const ACME: TokenClaims = { role: 'vendor', store: 'acme-widgets', clientId: 'vendor:acme-widgets' };
const handshakeOf = (store: string, clientId = `vendor:${store}`) => ({ caps: CAPS_PROTOCOL, role: 'vendor', clientId, store });

let t: TestContext;
let hub: Hub;
beforeEach(async () => {
  t = await setup();
  hub = await t.hub();
});
afterEach(() => t.cleanup());

/** The identity `on` (the test's hub by default) put on the server side of a connected client. */
function identityOf(outcome: Outcome, on: Hub = hub): Identity | undefined {
  if (!outcome.connected) throw new Error(`not connected: ${outcome.message}`);
  return on.nsp.sockets.get(outcome.socket.id!)?.data.identity;
}

describe('a client with a token', () => {
  it('is the identity its claims say, for a vendor, a driver, and a lab client that sends only the token', async () => {
    const vendor = await attempt(t, hub.url, { auth: { ...handshakeOf('acme-widgets'), token: await issueToken(key, ACME) } });
    expect(identityOf(vendor)).toEqual({ kind: 'authenticated', address: expect.any(String), ...ACME });

    const driverClaims: TokenClaims = { role: 'driver', name: 'driver-1', clientId: 'driver-1' };
    const driver = await attempt(t, hub.url, { auth: { caps: CAPS_PROTOCOL, role: 'driver', clientId: 'driver-1', token: await issueToken(key, driverClaims) } });
    expect(identityOf(driver)).toMatchObject({ kind: 'authenticated', ...driverClaims });

    const lab = await attempt(t, hub.url, { auth: { token: await issueToken(key, ACME) } });
    expect(identityOf(lab)).toMatchObject({ kind: 'authenticated', ...ACME });
  });

  it('leaves its token out of the handshake the hub keeps, once checked; the identity stands for it', async () => {
    const driverClaims: TokenClaims = { role: 'driver', name: 'driver-1', clientId: 'driver-1' };
    const driver = await attempt(t, hub.url, { auth: { caps: CAPS_PROTOCOL, role: 'driver', clientId: 'driver-1', token: await issueToken(key, driverClaims) } });
    if (!driver.connected) throw new Error(`not connected: ${driver.message}`);
    const held = hub.nsp.sockets.get(driver.socket.id!);
    expect(held?.handshake.auth).toEqual({ caps: CAPS_PROTOCOL, role: 'driver', clientId: 'driver-1', token: undefined });
    expect(held?.data.identity).toMatchObject({ kind: 'authenticated', ...driverClaims });
  });

  it('is refused when the handshake claims another store, role or client id than the token', async () => {
    const token = await issueToken(key, ACME);
    const refusals = [
      [{ ...handshakeOf('1-800-flowers'), token }, 'this token is for store acme-widgets, not 1-800-flowers'],
      [{ caps: CAPS_PROTOCOL, role: 'driver', clientId: 'vendor:acme-widgets', token }, 'this token is for a vendor, and the handshake says driver'],
      [{ ...handshakeOf('acme-widgets', 'someone-else'), token }, 'this token is for client vendor:acme-widgets, not someone-else'],
      [{ token: await issueToken(key, { role: 'dashboard', clientId: 'dashboard' }) }, 'a dashboard token cannot open this namespace (it serves vendor and driver)'],
    ] as const;
    for (const [auth, message] of refusals) {
      expect(await attempt(t, hub.url, { auth })).toEqual({ connected: false, message, data: { code: 'forbidden' } });
    }
  });

  it('is refused when the token is signed with another secret, expired, or not a string', async () => {
    const forged = await issueToken(new TextEncoder().encode('an-attacker-s-guess-at-the-secret-xx'), ACME);
    expect(await attempt(t, hub.url, { auth: { ...handshakeOf('acme-widgets'), token: forged } })).toEqual({
      connected: false,
      message: "the token's signature does not match this hub's secret",
      data: { code: 'invalid_token' },
    });
    const expired = await issueToken(key, ACME, { expiresInSeconds: 60, now: new Date(Date.now() - 3_600_000) });
    expect(await attempt(t, hub.url, { auth: { ...handshakeOf('acme-widgets'), token: expired } })).toEqual({
      connected: false,
      message: expect.stringContaining('expired'),
      data: { code: 'token_expired' },
    });
    expect(await attempt(t, hub.url, { auth: { ...handshakeOf('acme-widgets'), token: { role: 'vendor' } } })).toEqual({
      connected: false,
      message: 'auth.token must be a string, not object',
      data: { code: 'invalid_token' },
    });
    expect(hub.nsp.sockets.size).toBe(0);
  });
});

describe('a client with no token', () => {
  it('is anonymous on the hub’s machine, and today’s clients (no token) keep working', async () => {
    const lab = await attempt(t, hub.url);
    expect(identityOf(lab)).toEqual({ kind: 'anonymous', address: expect.stringMatching(/127\.0\.0\.1|::1/), loopback: true });
    const vendor = t.vendor(hub, 'acme-widgets');
    t.driver(hub, 'driver-1');
    const thanked = waitFor<[Envelope]>(vendor, 'thanked');
    const posted = await vendor.post();
    expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
  });

  it('is refused when a proxy on this machine forwards it from another address', async () => {
    expect(await attempt(t, hub.url, { headers: { 'x-forwarded-for': '203.0.113.9' } })).toEqual({
      connected: false,
      message: expect.stringContaining("clients without a token may connect only from the hub's own machine, and 203.0.113.9 is not it"),
      data: { code: 'unauthenticated' },
    });
    // The same caller with a token is who its token says.
    const withToken = await attempt(t, hub.url, { auth: { token: await issueToken(key, ACME) }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(identityOf(withToken)).toMatchObject({ kind: 'authenticated', address: '203.0.113.9' });
  });

  it('is let in from anywhere with CLASSROOM=open, and the hub says what that exposes', async () => {
    const logs = new CapturingLogger();
    const open = await t.hub({ trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, classroom: 'open' } }, logs.logger);
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 40, msg: CLASSROOM_OPEN_WARNING }));
    const forwarded = await attempt(t, open.url, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(identityOf(forwarded, open)).toEqual({ kind: 'anonymous', address: '203.0.113.9', loopback: false });
  });
});
