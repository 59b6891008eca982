/**
 * Tells a phase-3 hub from a phase-2 one by the lab's own test: a pickup posted while no driver is
 * connected reaches a driver that starts later and asks `getAll` only if the hub queues it.
 */
import { DRIVER_QUEUE, mentions, pickupPayload, type Phase } from './lab-shapes';
import { Probes } from './probe';
import { vendorProbe, type HubScenario } from './hub-scenario';

/** The phase, and how it was found, for the report card. */
export interface DetectedPhase {
  phase: Phase;
  how: string;
}

/**
 * Detects the phase of the hub `s` points at (its own `phase` is ignored). A hub that answers
 * nothing, or cannot be reached, is graded as phase 2, whose requirements it will fail anyway.
 */
export async function detectPhase(s: HubScenario): Promise<DetectedPhase> {
  const probes = new Probes(s.url, s.timeoutMs);
  try {
    const store = s.store('detect');
    const vendor = await vendorProbe(probes, store);
    const order = s.order(store);
    vendor.emit('pickup', pickupPayload(3, order));
    const driver = await probes.connect('a driver that starts later');
    driver.emit('getAll', { queueId: DRIVER_QUEUE });
    await driver.next('pickup', (p) => mentions(p, order.orderId), 'getAll');
    driver.emit('received', { queueId: DRIVER_QUEUE, messageId: order.orderId });
    return { phase: 3, how: 'detected: getAll replayed a pickup posted before the driver connected' };
  } catch (err) {
    return { phase: 2, how: `detected: no queue (${err instanceof Error ? err.message : String(err)})` };
  } finally {
    await probes.closeAll();
  }
}
