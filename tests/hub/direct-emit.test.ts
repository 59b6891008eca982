/**
 * `emitDirect` (src/hub/direct-emit.ts) against Socket.IO's own `socket.emit`, on a real hub (which
 * runs with connection state recovery on) and a real client: the same frames on the wire, the
 * acks answered to the right callback, and `onAnyOutgoing` told of each.
 */
import { emitDirect } from '../../src/hub/direct-emit';
import type { ConsumerAck } from '../../src/protocol/acks';
import type { Envelope } from '../../src/protocol/envelope';
import { rawDriver } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const envelope = (messageId: string): Envelope => ({
  event: 'delivered',
  messageId,
  queueId: 'acme-widgets',
  order: { store: 'acme-widgets', orderId: messageId, customer: 'Ada', address: '1 Engine Way' },
});

/** The socket.io frames (engine.io message packets) the client reads, with their ack ids taken out. */
function frames(socket: ReturnType<typeof rawDriver>): string[] {
  const seen: string[] = [];
  socket.io.engine.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type === 'message' && typeof packet.data === 'string') seen.push(packet.data.replace(/^(2\/caps,)\d+/, '$1<ack>'));
  });
  return seen;
}

it('writes the frame socket.emit writes, with and without an ack, and tells onAnyOutgoing', async () => {
  const hub = await t.hub();
  const client = rawDriver(t, hub, 'direct-emit');
  await waitFor(client, 'connect');
  const wire = frames(client);
  const server = hub.nsp.sockets.get(client.id!)!;
  const outgoing: unknown[][] = [];
  server.onAnyOutgoing((...args: unknown[]) => outgoing.push(args));

  server.emit('pickup', envelope('p-1'));
  emitDirect(server, 'pickup', envelope('p-1'));
  await until(client.io.engine, ['packet'], () => wire.length === 2, 'two pickup frames');
  expect(wire[1]).toBe(wire[0]);
  expect(wire[0]).toBe(`2/caps,["pickup",${JSON.stringify(envelope('p-1'))}]`);

  // The client answers each notice with its own message id, so each answer shows which callback it reached.
  client.on('delivered', (sent: Envelope, ack: (answer: ConsumerAck) => void) => ack({ ok: true, messageId: sent.messageId } as ConsumerAck));
  const byEmit = new Promise((resolve) => server.emit('delivered', envelope('d-1'), resolve));
  // Two in a row: each takes an ack id of its own, or the second callback would replace the first.
  const direct = new Promise((resolve) => emitDirect(server, 'delivered', envelope('d-2'), resolve));
  const directAgain = new Promise((resolve) => emitDirect(server, 'delivered', envelope('d-3'), resolve));
  expect(await Promise.all([byEmit, direct, directAgain])).toEqual([
    { ok: true, messageId: 'd-1' },
    { ok: true, messageId: 'd-2' },
    { ok: true, messageId: 'd-3' },
  ]);
  expect(wire.slice(2)).toEqual(['d-1', 'd-2', 'd-3'].map((id) => `2/caps,<ack>["delivered",${JSON.stringify(envelope(id))}]`));
  expect(outgoing.map(([event, sent]) => [event, (sent as Envelope).messageId])).toEqual([
    ['pickup', 'p-1'],
    ['pickup', 'p-1'],
    ['delivered', 'd-1'],
    ['delivered', 'd-2'],
    ['delivered', 'd-3'],
  ]);
});

it('leaves to emit a send it would make differently: flags set for the next emit, a socket no longer in the namespace', async () => {
  const hub = await t.hub();
  const client = rawDriver(t, hub, 'direct-emit-flags');
  await waitFor(client, 'connect');
  client.on('delivered', (_sent: Envelope, ack: (answer: ConsumerAck) => void) => ack({ ok: true }));
  const server = hub.nsp.sockets.get(client.id!)!;

  // `timeout` makes the ack error-first, as it does for emit, and applies to that send only.
  const timed = new Promise((resolve) => emitDirect(server.timeout(60_000) as typeof server, 'delivered', envelope('t-1'), (...answer) => resolve(answer)));
  expect(await timed).toEqual([null, { ok: true }]);
  const next = new Promise((resolve) => emitDirect(server, 'delivered', envelope('t-2'), (...answer) => resolve(answer)));
  expect(await next).toEqual([{ ok: true }]);

  // Out of the namespace (its connection may stay open a moment): emit sends nothing, and neither does this.
  const outgoing: unknown[][] = [];
  server.onAnyOutgoing((...args: unknown[]) => outgoing.push(args));
  server.disconnect();
  emitDirect(server, 'pickup', envelope('after'));
  server.emit('pickup', envelope('after'));
  expect(outgoing).toEqual([]);
});
