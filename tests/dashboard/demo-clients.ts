/**
 * Clients as `npm run demo` starts them, but in-process: a vendor and a driver with remote control,
 * so that the dashboard can post orders, and disconnect and reconnect them. Closed by `t.cleanup()`.
 */
import { openRemoteControl, type RemoteControl } from '../../src/client/remote-control';
import type { Driver } from '../../src/driver/driver';
import type { Hub } from '../../src/hub/hub';
import { orderFactory } from '../../src/vendor/orders';
import type { Vendor } from '../../src/vendor/vendor';
import { silentLogger, testCredential, type TestContext } from '../helpers/setup';

export function controllableVendor(t: TestContext, hub: Hub | string, store: string): { vendor: Vendor; control: RemoteControl } {
  const orders = orderFactory();
  const vendor = t.vendor(hub, store, { orders });
  const control = openRemoteControl({
    link: vendor.link,
    handshake: { clientId: `vendor:${store}`, role: 'vendor', store },
    credential: testCredential,
    post: () => {
      const order = orders(store);
      vendor.post(order).catch(() => undefined); // rejects only once the vendor is stopped
      return order.orderId;
    },
    logger: silentLogger,
  });
  t.defer(() => control.close()); // deferred last, so closed before the vendor stops
  return { vendor, control };
}

export function controllableDriver(t: TestContext, hub: Hub | string, name: string, delayMs: number): { driver: Driver; control: RemoteControl } {
  const driver = t.driver(hub, name, { delayMs });
  const control = openRemoteControl({ link: driver.link, handshake: { clientId: name, role: 'driver' }, credential: testCredential, logger: silentLogger });
  t.defer(() => control.close());
  return { driver, control };
}
