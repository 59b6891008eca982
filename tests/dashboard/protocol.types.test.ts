/**
 * Type tests for the dashboard's two namespaces: `tsc --noEmit` fails if their event maps loosen,
 * because each `@ts-expect-error` below would then be unused. Jest runs the file for the runtime half.
 */
import type { Socket as ClientSocket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import {
  CONTROL_ACTIONS,
  controlCommandSchema,
  controlHandshakeSchema,
  REMOTE_ACTIONS,
  type DashboardToPageEvents,
  type HubToRemoteEvents,
  type PageToDashboardEvents,
  type RemoteToHubEvents,
} from '../../src/protocol/dashboard';

// Never called: these functions exist for the compiler.
export function page(socket: ClientSocket<DashboardToPageEvents, PageToDashboardEvents>): void {
  socket.emit('control', { action: 'pause', clientId: 'driver-1' }, (ack) => (ack.ok ? ack.message : ack.error.code));
  // @ts-expect-error: no such action
  socket.emit('control', { action: 'explode', clientId: 'driver-1' }, () => undefined);
  // @ts-expect-error: a command names its client
  socket.emit('control', { action: 'pause' }, () => undefined);
  // @ts-expect-error: a page speaks only `control`, not the delivery protocol
  socket.emit('pickup', {});
  socket.on('update', (update) => update.queues?.[0]?.depth);
  // @ts-expect-error: a card's stage is one of the five
  socket.on('update', (update) => update.packages?.[0]?.stage === 'lost');
}

export function hubToRemote(socket: ServerSocket<RemoteToHubEvents, HubToRemoteEvents>): void {
  socket.emit('command', { action: 'post' }, (ack) => ack.ok && ack.messageId);
  // @ts-expect-error: pause and resume happen in the hub, never on the client
  socket.emit('command', { action: 'pause' }, () => undefined);
}

it('relays to clients only what clients can do themselves', () => {
  expect(REMOTE_ACTIONS.every((a) => (CONTROL_ACTIONS as readonly string[]).includes(a))).toBe(true);
  expect(CONTROL_ACTIONS.filter((a) => !(REMOTE_ACTIONS as readonly string[]).includes(a))).toEqual(['pause', 'resume']);
  for (const action of CONTROL_ACTIONS) expect(controlCommandSchema.safeParse({ action, clientId: 'x' }).success).toBe(true);
  expect(controlHandshakeSchema.safeParse({ clientId: 'driver-1', role: 'driver' }).success).toBe(true);
});
