/**
 * Malformed and impossible commands, at every hop: page → hub (`/dashboard`), hub → client
 * (`/control`), and the client's answer back. Each is refused through the ack with a clear error;
 * nothing throws, and the hub keeps serving.
 */
import type { Socket as ServerSocket } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { attachDashboard, type Dashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { Hub } from '../../src/hub/hub';
import {
  CONTROL_NAMESPACE,
  DASHBOARD_NAMESPACE,
  controlCommandSchema,
  remoteAckSchema,
  type ControlAck,
  type HubToRemoteEvents,
  type RemoteCommand,
  type RemoteToHubEvents,
} from '../../src/protocol/dashboard';
import { setup, silentLogger, testCredential, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';
import { controllableDriver, controllableVendor } from './demo-clients';

let t: TestContext;
afterEach(() => t?.cleanup());

describe('controlCommandSchema', () => {
  it('accepts each action with a client id, and drops extra keys', () => {
    for (const action of ['post', 'pause', 'resume', 'disconnect', 'reconnect']) {
      expect(controlCommandSchema.parse({ action, clientId: ' driver-1 ', extra: 1 })).toEqual({ action, clientId: 'driver-1' });
    }
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'pause driver-1'],
    ['an array', ['pause', 'driver-1']],
    ['no action', { clientId: 'driver-1' }],
    ['an unknown action', { action: 'explode', clientId: 'driver-1' }],
    ['an action in capitals', { action: 'PAUSE', clientId: 'driver-1' }],
    ['no client id', { action: 'pause' }],
    ['an empty client id', { action: 'pause', clientId: '   ' }],
    ['a client id that is not a string', { action: 'pause', clientId: 7 }],
    ['a huge client id', { action: 'pause', clientId: 'x'.repeat(10_000) }],
  ])('refuses %s', (_what, payload) => {
    expect(controlCommandSchema.safeParse(payload).success).toBe(false);
  });

  it('checks a controllable client answer too', () => {
    expect(remoteAckSchema.safeParse({ ok: true, messageId: 'm-1' }).success).toBe(true);
    expect(remoteAckSchema.safeParse({ ok: false, error: { code: 'invalid_payload', message: 'no' } }).success).toBe(true);
    for (const bad of [undefined, 'ok', { ok: 'yes' }, { ok: false }, { ok: false, error: { code: 'teapot', message: 'no' } }]) {
      expect(remoteAckSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('the /dashboard control event', () => {
  let hub: Hub;
  let dashboard: Dashboard;
  let page: Socket;

  beforeEach(async () => {
    t = await setup();
    hub = await t.hub();
    dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger, remoteTimeoutMs: 300 });
    t.defer(() => dashboard.close());
    page = io(`${hub.url}${DASHBOARD_NAMESPACE}`, { transports: ['websocket'], forceNew: true });
    t.defer(() => page.disconnect());
    await waitFor(page, 'snapshot');
  });

  const send = (payload: unknown): Promise<ControlAck> => page.timeout(5000).emitWithAck('control', payload);
  const refusal = (code: string, message: string | RegExp) => ({ ok: false, error: expect.objectContaining({ code, message: expect.stringMatching(message) }) });

  it('refuses malformed commands with the failing fields, and keeps serving', async () => {
    const bad = await send({ action: 'explode', clientId: '' });
    expect(bad).toEqual({ ok: false, error: { code: 'invalid_payload', message: expect.stringContaining('control expects'), issues: expect.any(Array) } });
    if (!bad.ok) expect(bad.error.issues!.join('\n')).toMatch(/action[\s\S]*clientId/);
    for (const payload of [undefined, null, 42, 'pause', [], { action: 'pause' }]) {
      expect(await send(payload)).toEqual(refusal('invalid_payload', 'control expects'));
    }
    // A command without an ack is ignored (there is no one to answer); the socket stays usable.
    page.emit('control', { action: 'pause', clientId: 'driver-1' });
    expect(await send({ action: 'pause', clientId: 'nobody' })).toEqual(refusal('not_found', 'nobody is not connected'));
    expect(page.connected).toBe(true);
  });

  it('says which client cannot do what', async () => {
    const { driver } = controllableDriver(t, hub, 'driver-1', 0);
    await waitFor(driver, 'connected');
    await until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has('driver-1'), 'driver-1 is controllable');
    expect(await send({ action: 'post', clientId: 'driver-1' })).toEqual(refusal('invalid_payload', 'driver-1 is a driver; only vendors post orders'));
    expect(await send({ action: 'disconnect', clientId: 'ghost' })).toEqual(refusal('not_found', 'ghost is not controllable: start it with --controllable'));

    // A classroom client can be paused (the hub does that), but not disconnected (it has no /control).
    const lab = t.labClient(hub);
    await waitFor(lab, 'connect');
    lab.emit('getAll', { queueId: 'driver' });
    await until(hub.activity, ['session'], () => dashboard.remotes.has('driver-1') && [...hub.sessions.values()].some((s) => s.info().clientId === lab.id && s.info().role === 'driver'), 'the lab driver is known');
    expect(await send({ action: 'pause', clientId: lab.id })).toMatchObject({ ok: true });
    expect(await send({ action: 'disconnect', clientId: lab.id })).toEqual(refusal('not_found', 'is not controllable'));
  });

  it('reports a controllable client that answers nonsense', async () => {
    const fake = async (answer: (ack: (x: unknown) => void) => void) => {
      const token = await testCredential({ role: 'vendor', store: 'fake', clientId: 'vendor:fake' });
      const socket = io(`${hub.url}${CONTROL_NAMESPACE}`, { transports: ['websocket'], forceNew: true, auth: { clientId: 'vendor:fake', role: 'vendor', store: 'fake', token } });
      socket.on('command', (_command: unknown, ack: (x: unknown) => void) => answer(ack));
      t.defer(() => socket.disconnect());
      return until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has('vendor:fake'), 'the fake is controllable');
    };
    await fake((ack) => ack({ ok: 'sure', rm: '-rf' }));
    expect(await send({ action: 'post', clientId: 'vendor:fake' })).toEqual(refusal('internal', 'vendor:fake gave a malformed answer to "post"'));
  });

  it('reports a controllable client that does not answer in time', async () => {
    const token = await testCredential({ role: 'vendor', store: 'mute', clientId: 'vendor:mute' });
    const socket = io(`${hub.url}${CONTROL_NAMESPACE}`, { transports: ['websocket'], forceNew: true, auth: { clientId: 'vendor:mute', role: 'vendor', store: 'mute', token } });
    socket.on('command', () => undefined);
    t.defer(() => socket.disconnect());
    await until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has('vendor:mute'), 'the mute client is controllable');
    expect(await send({ action: 'post', clientId: 'vendor:mute' })).toEqual(refusal('unavailable', 'vendor:mute did not answer "post" within 300 ms'));
  });
});

describe('the /control namespace', () => {
  it('refuses a malformed handshake at connect time, with the reason', async () => {
    t = await setup();
    const hub = await t.hub();
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    for (const auth of [{}, { clientId: 'x', role: 'admin' }, { clientId: '', role: 'driver' }]) {
      const socket = io(`${hub.url}${CONTROL_NAMESPACE}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
      t.defer(() => socket.disconnect());
      const [err] = await waitFor<[Error & { data?: { code: string } }]>(socket, 'connect_error');
      expect(err.message).toMatch(/invalid \/control handshake/);
      expect(err.data?.code).toBe('invalid_payload');
    }
  });

  it("has the client refuse a malformed command from the hub, and carry out good ones on its /caps socket", async () => {
    t = await setup();
    const hub = await t.hub();
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    const { vendor } = controllableVendor(t, hub, 'acme-widgets');
    await waitFor(vendor, 'connected');
    await until(hub.io.of(CONTROL_NAMESPACE), ['connection'], () => dashboard.remotes.has('vendor:acme-widgets'), 'the vendor is controllable');
    // The hub's end of the vendor's /control socket, typed with that namespace's map.
    const remote = [...hub.io.of(CONTROL_NAMESPACE).sockets.values()][0] as unknown as ServerSocket<RemoteToHubEvents, HubToRemoteEvents>;
    const ask = (payload: unknown) => remote.timeout(2000).emitWithAck('command', payload as RemoteCommand);

    for (const payload of [{ action: 'format-disk' }, null, 'post']) {
      expect(await ask(payload)).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid_payload' }) });
    }
    // Disconnecting /caps leaves /control up, on the same connection, so the vendor can be brought back.
    expect(await ask({ action: 'disconnect' })).toEqual({ ok: true });
    expect(vendor.socket.connected).toBe(false);
    expect(await ask({ action: 'reconnect' })).toEqual({ ok: true });
    await waitFor(vendor, 'connected');
    const posted = waitFor(vendor, 'posted');
    const answer = await ask({ action: 'post' });
    expect(answer).toEqual({ ok: true, messageId: expect.any(String) });
    expect((await posted)[0].messageId).toBe(answer.ok ? answer.messageId : undefined);
  });
});
