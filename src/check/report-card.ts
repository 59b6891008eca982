/**
 * The checker's verdict: the requirements of one phase, each passed or failed, printed as a
 * readable report card or as JSON for a grade book.
 */
import type { Phase } from './lab-shapes';
import type { RequirementResult } from './requirement';

export interface ReportCard {
  /** What was checked: `hub`, `vendor` or `driver`. */
  subject: 'hub' | 'vendor' | 'driver';
  /** The hub URL, or the student's command. */
  target: string;
  phase: Phase;
  /** `given with --phase`, or how it was detected. */
  phaseSource: string;
  requirements: RequirementResult[];
  /** Anything else worth knowing, e.g. that the student's client crashed, with its last lines. */
  notes: string[];
  /** True only when every requirement passed. */
  passed: boolean;
}

export function reportCard(fields: Omit<ReportCard, 'passed'>): ReportCard {
  return { ...fields, passed: fields.requirements.every((r) => r.passed) };
}

/**
 * The card as text, one line per requirement, e.g.
 *
 *   CAPS check: hub http://localhost:3001 (phase 3, given with --phase)
 *     PASS  namespace  serves the /caps namespace
 *     FAIL  received   received { queueId, messageId } removes the message from its queue
 *                      a second driver also got pickup check-1a2b3c-5: …
 *   5 of 7 requirements passed: FAIL
 */
export function formatReportCard(card: ReportCard): string {
  const width = Math.max(...card.requirements.map((r) => r.id.length));
  const lines = [`CAPS check: ${card.subject} ${card.target} (phase ${card.phase}, ${card.phaseSource})`];
  for (const r of card.requirements) {
    lines.push(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.id.padEnd(width)}  ${r.title}`);
    lines.push(`        ${' '.repeat(width)}  ${r.detail}`);
  }
  for (const note of card.notes) lines.push(`  note: ${note}`);
  const passed = card.requirements.filter((r) => r.passed).length;
  lines.push(`${passed} of ${card.requirements.length} requirements passed: ${card.passed ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
