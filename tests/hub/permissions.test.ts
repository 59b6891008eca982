/** Who may do what (src/hub/permissions.ts), for clients with a token and for classroom clients. */
import type { Identity } from '../../src/auth/identity';
import { authorise, type Request } from '../../src/hub/permissions';

const vendor: Identity = { kind: 'authenticated', address: '127.0.0.1', role: 'vendor', clientId: 'v', store: 'acme-widgets' };
const driver: Identity = { kind: 'authenticated', address: '127.0.0.1', role: 'driver', clientId: 'd', name: 'd' };
const classroom: Identity = { kind: 'anonymous', address: '127.0.0.1', loopback: true };
const post = (store: string): Request => ({ type: 'deliver', sender: 'vendor', refusal: 'only vendors post pickups', store });
const report: Request = { type: 'deliver', sender: 'driver', refusal: 'only drivers report deliveries', store: 'acme-widgets' };
const code = (identity: Identity, request: Request) => authorise(identity, request)?.error.code ?? 'allowed';
const carry = (pickup: Extract<Request, { type: 'carry' }>['pickup'], me = 'd'): Request => ({ type: 'carry', event: 'delivered', messageId: 'm1', pickup, me });

it('holds a client with a token to the role and store of its token', () => {
  expect(code(vendor, { type: 'join', store: 'acme-widgets' })).toBe('allowed');
  expect(authorise(vendor, { type: 'join', store: 'other' })?.error).toEqual({ code: 'forbidden', message: 'this vendor\'s token is for "acme-widgets", not "other"' });
  expect(code(driver, { type: 'join', store: 'acme-widgets' })).toBe('forbidden');
  expect(code(vendor, post('acme-widgets'))).toBe('allowed');
  expect(authorise(vendor, post('other'))?.error.message).toBe('this vendor posts for "acme-widgets", not "other"');
  expect(authorise(driver, post('acme-widgets'))?.error.message).toBe('only vendors post pickups');
  expect(code(driver, report)).toBe('allowed');
  expect(code(vendor, report)).toBe('forbidden');
  expect(code(driver, { type: 'consume', queueId: 'driver' })).toBe('allowed');
  expect(code(driver, { type: 'consume', queueId: 'acme-widgets' })).toBe('forbidden');
  expect(code(vendor, { type: 'consume', queueId: 'acme-widgets' })).toBe('allowed');
  expect(code(vendor, { type: 'consume', queueId: 'driver' })).toBe('forbidden');
  expect(code(driver, { type: 'claim' })).toBe('allowed');
  expect(code(vendor, { type: 'claim' })).toBe('forbidden');
});

it('gives a classroom client the lab’s powers, and no claim', () => {
  for (const request of [{ type: 'join', store: 'x' }, post('x'), report, { type: 'consume', queueId: 'driver' }] satisfies Request[]) {
    expect(code(classroom, request)).toBe('allowed');
  }
  expect(code(classroom, { type: 'claim' })).toBe('forbidden');
});

it('lets only the holder of a pickup carry it, for every client', () => {
  for (const identity of [driver, classroom]) {
    expect(code(identity, carry({ found: true, holder: 'd' }))).toBe('allowed');
    expect(authorise(identity, carry({ found: true, holder: 'other' }))?.error).toEqual({ code: 'forbidden', message: 'delivered: pickup m1 is not yours: another driver holds it' });
    expect(authorise(identity, carry({ found: true, holder: undefined }))?.error.message).toBe('delivered: pickup m1 is not yours: it is waiting for a driver');
    expect(authorise(identity, carry({ found: false }))?.error).toEqual({ code: 'not_found', message: 'delivered: there is no pickup m1 (never posted, or already delivered)' });
    // Nothing is stored for these: an in-transit is relayed, and a lab client may say received twice.
    expect(code(identity, { ...carry({ found: false }), event: 'in-transit' } as Request)).toBe('allowed');
  }
});
