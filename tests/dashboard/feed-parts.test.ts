/**
 * The pieces behind the dashboard's feed, with a fake clock: the package board's stages, the
 * event log's burst limit, and the throughput series.
 */
import { LogFeed } from '../../src/dashboard/log-feed';
import { PackageBoard } from '../../src/dashboard/packages';
import { Throughput } from '../../src/dashboard/throughput';
import { DASHBOARD_LIMITS } from '../../src/protocol/dashboard';
import type { Envelope } from '../../src/protocol/envelope';

const order = { store: 'acme-widgets', orderId: 'o-1', customer: 'Ada', address: '1 Main St' };
const envelope = (event: Envelope['event'], messageId = 'o-1', extra: Partial<Envelope> = {}): Envelope => ({
  event,
  messageId,
  queueId: event === 'pickup' ? 'driver' : 'acme-widgets',
  order: { ...order, orderId: messageId },
  ...extra,
});
const stageOf = (board: PackageBoard, id = 'o-1') => board.all().find((c) => c.messageId === id)?.stage;

describe('PackageBoard', () => {
  it('moves a card through the stages in the order the hub reports them', () => {
    const board = new PackageBoard();
    board.onEvent(envelope('pickup'));
    expect(stageOf(board)).toBe('ordered');
    board.onClaimed({ queueId: 'driver', messageId: 'o-1' }, envelope('pickup'), 'driver-1');
    expect(board.all()[0]).toMatchObject({ stage: 'picked-up', driver: 'driver-1' });
    board.onEvent(envelope('in-transit', 'o-1', { driver: 'driver-1' }));
    // The `acked` that completes the pickup comes just before `delivered`: it must not move the card back.
    board.onAcked({ queueId: 'driver', messageId: 'o-1' });
    expect(stageOf(board)).toBe('in-transit');
    board.onEvent(envelope('delivered', 'o-1', { driver: 'driver-1' }));
    board.onAcked({ queueId: 'acme-widgets', messageId: 'o-1' });
    expect(stageOf(board)).toBe('acknowledged');
    expect(board.takeChanged()).toHaveLength(1);
    expect(board.takeChanged()).toHaveLength(0);
  });

  it('puts a pickup back to "ordered" when it is requeued before delivery, and flags dead letters', () => {
    const board = new PackageBoard();
    board.onEvent(envelope('pickup'));
    board.onClaimed({ queueId: 'driver', messageId: 'o-1' }, envelope('pickup'), 'driver-1');
    board.onRedelivered({ queueId: 'driver', messageId: 'o-1' }, 'lease expired');
    expect(board.all()[0]).toMatchObject({ stage: 'ordered', requeued: 'lease expired' });
    board.onDead({ queueId: 'driver', messageId: 'o-1' }, 'failed 5 deliveries');
    expect(board.all()[0]!.dead).toBe('driver: failed 5 deliveries');
  });

  it('starts a card from a later event, and keeps only the most recently changed cards', () => {
    const board = new PackageBoard(3);
    board.onEvent(envelope('delivered', 'late'));
    expect(stageOf(board, 'late')).toBe('delivered');
    for (const id of ['a', 'b', 'c']) board.onEvent(envelope('pickup', id));
    expect(board.all().map((c) => c.messageId)).toEqual(['a', 'b', 'c']);
    board.onEvent(envelope('in-transit', 'a'));
    board.onEvent(envelope('pickup', 'd'));
    expect(board.all().map((c) => c.messageId)).toEqual(['c', 'a', 'd']);
    expect(board.takeChanged().map((c) => c.messageId)).toEqual(['c', 'a', 'd']);
    // Events for a card that was dropped and carry no order are ignored.
    board.onAcked({ queueId: 'acme-widgets', messageId: 'b' });
    expect(board.all()).toHaveLength(3);
  });
});

describe('LogFeed', () => {
  it('sends at most a page-full per update, counts the rest, and keeps the last lines for new pages', () => {
    const log = new LogFeed(() => 0);
    for (let i = 1; i <= 5000; i++) log.add('pickup', `line ${i}`);
    const { lines, skipped } = log.take();
    expect(lines).toHaveLength(DASHBOARD_LIMITS.logLinesPerUpdate);
    expect(lines.at(-1)).toMatchObject({ seq: 5000, text: 'line 5000' });
    expect(skipped).toBe(5000 - DASHBOARD_LIMITS.logLinesPerUpdate);
    expect(log.take()).toEqual({ lines: [], skipped: 0 });
    expect(log.all()).toHaveLength(DASHBOARD_LIMITS.logLines);
    expect(log.all()[0]!.seq).toBe(5000 - DASHBOARD_LIMITS.logLines + 1);
  });
});

describe('Throughput', () => {
  it('closes one bucket a second, and counts seconds without a roll as empty', () => {
    let now = 0;
    const throughput = new Throughput(() => now);
    throughput.count(7);
    now = 500;
    expect(throughput.roll()).toBe(false);
    now = 1000;
    expect(throughput.roll()).toBe(true);
    expect(throughput.values().slice(-1)).toEqual([7]);
    throughput.count(3);
    now = 4200; // three seconds ended; only the first had events
    expect(throughput.roll()).toBe(true);
    expect(throughput.values().slice(-4)).toEqual([7, 3, 0, 0]);
    expect(throughput.values()).toHaveLength(DASHBOARD_LIMITS.throughputSeconds);
    now = 4999;
    expect(throughput.roll()).toBe(false);
    now = 5000;
    expect(throughput.roll()).toBe(true);
  });
});
