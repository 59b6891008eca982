/**
 * What every client requirement works with: our hub started for the check (recording what the
 * student's client sends), the student's process, the phase, and what earlier requirements found
 * out (the store it joined, the order it posted), which later ones build on.
 */
import { randomBytes } from 'node:crypto';
import { CAPS_NAMESPACE } from '../protocol/events';
import type { CheckHubServer } from './check-hub-server';
import { DRIVER_QUEUE, issuesOf, mentions, queueNamed, receivedSchema, type LabOrder, type Phase } from './lab-shapes';
import { Probes } from './probe';
import { Shortfall } from './requirement';
import type { StudentProcess } from './student-process';

export interface ClientScenario {
  phase: Phase;
  timeoutMs: number;
  server: CheckHubServer;
  student: StudentProcess;
  /** The checker's own clients on the check's hub (the driver a vendor is graded with, and so on). */
  probes: Probes;
  /** Unique to this run, e.g. `check-3fa9c1`: prefixes the ids of orders the check makes up. */
  run: string;
  /** The store the student's vendor joined, or the one the check posts for to a driver. */
  store?: string;
  /** The order the student's client posted (vendor) or was given (driver). */
  order?: { id: string; payload: unknown };
}

export function clientScenario(fields: Omit<ClientScenario, 'probes' | 'run'>): ClientScenario {
  return { ...fields, probes: new Probes(`${fields.server.url}${CAPS_NAMESPACE}`, fields.timeoutMs), run: `check-${randomBytes(3).toString('hex')}` };
}

/** What an earlier requirement found, or a clear "not checked" when it failed. */
export function needs<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Shortfall(`not checked: needs ${what}, which failed above`);
  return value;
}

/** A made-up order for the check's scenario, with an id and a customer no one else uses. */
export function madeUpOrder(s: ClientScenario, store: string, tag: string): LabOrder {
  const orderId = `${s.run}-${tag}`;
  return { store, orderId, customer: `Customer ${orderId}`, address: '12 Analytical Engine Row' };
}

/** A pattern for a log line that names `what` (an id or a name), however the student spells the rest. */
export function mentioning(words: RegExp, ...what: string[]): RegExp {
  const names = what.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`${words.source}.*(${names})|(${names}).*${words.source}`, 'i');
}

/**
 * Waits for the client's `received` for message `id` and checks that it names `queue` (the driver
 * queue in any case, as some cohorts write `DRIVER`).
 */
export async function expectReceived(s: ClientScenario, who: string, id: string, queue: string): Promise<string> {
  const got = await s.server.next('received', (p) => mentions(p, id), { timeoutMs: s.timeoutMs, what: `the ${who} never sent received for ${id}` });
  const issues = issuesOf(receivedSchema, got.payload);
  const named = queueNamed(got.payload);
  if ((queue === DRIVER_QUEUE ? named?.toLowerCase() : named) !== queue) issues.push(`it names queue ${JSON.stringify(named)}, not "${queue}"`);
  if (issues.length > 0) throw new Shortfall(`received ${JSON.stringify(got.payload)}: ${issues.join('; ')}`);
  return `sent received ${JSON.stringify(got.payload)}`;
}

/**
 * Kills the student's process, runs `whileAway` once the hub has seen it go, and starts it again;
 * resolves with the number its next connection will have.
 */
export async function restart(s: ClientScenario, whileAway: () => Promise<void>): Promise<number> {
  await s.student.kill();
  await s.server.gone(s.timeoutMs);
  await whileAway();
  const next = s.server.connectionCount + 1;
  s.student.start();
  return next;
}
