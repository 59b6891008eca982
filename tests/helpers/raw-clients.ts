/**
 * Our protocol without our client logic: sockets that say who they are, like our vendor and driver,
 * but leave every answer (ack, nack, claim, silence) to the test.
 */
import { connectCaps, type CapsClientSocket } from '../../src/client/connect';
import type { Hub } from '../../src/hub/hub';
import { testCredential, type TestContext } from './setup';

export function rawDriver(t: TestContext, hub: Hub, clientId: string, prefetch?: number): CapsClientSocket {
  const socket = connectCaps(hub.url, { role: 'driver', clientId, ...(prefetch === undefined ? {} : { prefetch }) }, testCredential);
  t.defer(() => socket.disconnect());
  return socket;
}

export function rawVendor(t: TestContext, hub: Hub, store: string, clientId = `raw:${store}`): CapsClientSocket {
  const socket = connectCaps(hub.url, { role: 'vendor', clientId, store }, testCredential);
  t.defer(() => socket.disconnect());
  return socket;
}
