/**
 * `check vendor` and `check driver`: student-written clients run as real child processes against
 * a CAPS hub started for the check. The right ones pass with their phase detected; each wrong one
 * fails the requirement its mistake breaks.
 */
import { checkClient } from '../../src/check/check-client';
import { detail, ROOT, studentCommand, verdicts } from './student-work';

/** Generous: these clients act within a second or two; a wrong one fails only by waiting it out. */
const options = { timeoutMs: 10_000, cwd: ROOT };

describe('check vendor', () => {
  it('passes a phase-2 vendor (flat orders, join { storeName }), detecting its phase', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-phase2'), options);
    expect([card.phase, card.phaseSource]).toEqual([2, 'detected: it posts flat orders']);
    expect(verdicts(card)).toEqual({ join: true, post: true, log: true });
    expect(detail(card, 'log')).toMatch(/Thank you for your order flowers-\d+/);
  });

  it('passes a phase-3 vendor (envelopes, getAll { clientId }, received), detecting its phase', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-phase3'), options);
    expect(card.phase).toBe(3);
    expect(verdicts(card)).toEqual({ join: true, post: true, log: true, acknowledge: true, catchUp: true });
    expect(detail(card, 'catchUp')).toMatch(/Thank you for delivering check-\w+-missed/);
  });

  it('fails a vendor that never joins on join, and says what was not checked because of it', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-no-join'), { ...options, phase: 2 });
    expect(verdicts(card)).toEqual({ join: false, post: false, log: false });
    expect(detail(card, 'join')).toBe('no answer in 10 s: the vendor never sent join');
    expect(detail(card, 'post')).toMatch(/^not checked: needs the store it joined/);
  });

  it('fails a vendor whose orders lack fields on post, naming them', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-bad-order'), { ...options, phase: 2 });
    expect(verdicts(card)).toMatchObject({ join: true, post: false });
    expect(detail(card, 'post')).toMatch(/is not \{ store, orderId, customer, address \}: .*address/);
  });

  it('fails a phase-3 vendor without received on acknowledge, and shows its last lines', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-no-received'), { ...options, phase: 3 });
    expect(verdicts(card)).toMatchObject({ join: true, post: true, log: true, acknowledge: false });
    expect(card.notes.join('\n')).toMatch(/its last lines:\n.*Thank you for delivering/);
  });

  it('fails a phase-3 vendor that never asks getAll on catch-up', async () => {
    const card = await checkClient('vendor', studentCommand('vendor-no-getall'), { ...options, phase: 3 });
    expect(verdicts(card)).toEqual({ join: true, post: true, log: true, acknowledge: true, catchUp: false });
    expect(detail(card, 'catchUp')).toBe("no answer in 10 s: the restarted vendor never asked getAll { queueId: 'acme-widgets' }");
  });
});

describe('check driver', () => {
  it('passes a phase-2 driver (reads payload.orderId, flat reports)', async () => {
    const card = await checkClient('driver', studentCommand('driver-phase2'), { ...options, phase: 2 });
    expect(verdicts(card)).toEqual({ post: true, log: true });
  });

  it('passes a phase-3 driver, detecting its phase, through a restart', async () => {
    const card = await checkClient('driver', studentCommand('driver-phase3'), options);
    expect([card.phase, card.phaseSource]).toEqual([3, 'detected: it asked getAll']);
    expect(verdicts(card)).toEqual({ join: true, post: true, acknowledge: true, log: true, catchUp: true });
  });

  it('fails a driver that sends delivered to the driver queue on post', async () => {
    const card = await checkClient('driver', studentCommand('driver-wrong-queue'), { ...options, phase: 3 });
    expect(verdicts(card)).toMatchObject({ join: true, post: false, acknowledge: true, log: false });
    expect(detail(card, 'post')).toMatch(/delivered names queue "driver"; it must be the store's/);
  });

  it('fails a driver without received on acknowledge', async () => {
    const card = await checkClient('driver', studentCommand('driver-no-received'), { ...options, phase: 3 });
    expect(verdicts(card)).toEqual({ join: true, post: true, acknowledge: false, log: true, catchUp: true });
  });

  it('fails a command that does not start, and says how it ended', async () => {
    const card = await checkClient('driver', 'node tests/fixtures/students/no-such-driver.js', { ...options, phase: 3, timeoutMs: 3000 });
    expect(card.passed).toBe(false);
    expect(card.notes.join('\n')).toMatch(/the driver exited with code 1[\s\S]*MODULE_NOT_FOUND/);
  });
});
