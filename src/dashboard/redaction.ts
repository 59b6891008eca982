/**
 * What a page or a caller sees at its access level (access.ts): at `control`, everything; at
 * `watch`, the same with customers' names and addresses replaced by {@link HIDDEN}. Store names,
 * order ids, drivers and the figures stay visible: they are what watching is for.
 */
import { HIDDEN, type Access, type DashboardUpdate, type DeadLetterView, type LogLine, type PackageCard } from '../protocol/dashboard';
import type { Envelope } from '../protocol/envelope';
import type { FeedLine } from './log-feed';

type Level = Access['level'];

/** An update as the feed makes it, before it is fitted to a level. */
export type FeedUpdate = Omit<DashboardUpdate, 'log'> & { log?: FeedLine[] };

/** A log line at `level`. */
export function lineFor(line: FeedLine, level: Level): LogLine {
  const { masked, ...plain } = line;
  return level === 'watch' && masked !== undefined ? { ...plain, text: masked } : plain;
}

/** A package card at `level`. */
export function cardFor(card: PackageCard, level: Level): PackageCard {
  return level === 'watch' ? { ...card, customer: HIDDEN, address: HIDDEN } : card;
}

/** An update at `level`. */
export function updateFor(update: FeedUpdate, level: Level): DashboardUpdate {
  const { log, packages, ...rest } = update;
  return {
    ...rest,
    ...(packages ? { packages: packages.map((card) => cardFor(card, level)) } : {}),
    ...(log ? { log: log.map((line) => lineFor(line, level)) } : {}),
  };
}

/** A dead letter at `level`, with the fields `GET /dead-letters` documents and no others. */
export function deadLetterFor(letter: DeadLetterView, level: Level): DeadLetterView {
  const { queueId, messageId, envelope, reason, enqueuedAt, deadAt } = letter;
  return { queueId, messageId, envelope: level === 'watch' ? hideOrder(envelope) : envelope, reason, enqueuedAt, deadAt };
}

function hideOrder(envelope: Envelope): Envelope {
  return { ...envelope, order: { ...envelope.order, customer: HIDDEN, address: HIDDEN } };
}
