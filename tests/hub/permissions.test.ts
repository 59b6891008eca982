/** Who may do what (src/hub/permissions.ts), for our clients and for classroom clients. */
import { authorise, type Request } from '../../src/hub/permissions';
import { CAPS_PROTOCOL, type Handshake } from '../../src/protocol/handshake';

const vendor: Handshake = { caps: CAPS_PROTOCOL, role: 'vendor', clientId: 'v', store: 'acme-widgets' };
const driver: Handshake = { caps: CAPS_PROTOCOL, role: 'driver', clientId: 'd' };
const post = (store: string): Request => ({ type: 'deliver', sender: 'vendor', refusal: 'only vendors post pickups', store });
const report: Request = { type: 'deliver', sender: 'driver', refusal: 'only drivers report deliveries', store: 'acme-widgets' };
const code = (identity: Handshake | undefined, request: Request) => authorise(identity, request)?.error.code ?? 'allowed';

it('holds our clients to the role and store of their handshake', () => {
  expect(code(vendor, { type: 'join', store: 'acme-widgets' })).toBe('allowed');
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
    expect(code(undefined, request)).toBe('allowed');
  }
  expect(code(undefined, { type: 'claim' })).toBe('forbidden');
});
