/**
 * `check hub <url>`: runs the lab's scenarios against a hub, anyone's, and grades each
 * requirement of its phase. Run it against a hub nothing else is using: other clients would take
 * the pickups the check posts.
 */
import { CAPS_NAMESPACE } from '../protocol/events';
import { detectPhase } from './detect-phase';
import { hubRequirements } from './hub-requirements';
import { hubScenario } from './hub-scenario';
import type { Phase } from './lab-shapes';
import { reportCard, type ReportCard } from './report-card';
import { grade } from './requirement';

export interface HubCheckOptions {
  /** The phase to grade; detected when absent. */
  phase?: Phase;
  /** How long each answer may take. */
  timeoutMs: number;
}

/** Grades the hub at `hubUrl` (e.g. `http://localhost:3001`, with or without `/caps`). */
export async function checkHub(hubUrl: string, options: HubCheckOptions): Promise<ReportCard> {
  const base = hubUrl.replace(/\/+$/, '').replace(new RegExp(`${CAPS_NAMESPACE}$`), '');
  const url = `${base}${CAPS_NAMESPACE}`;
  const detected = options.phase === undefined ? await detectPhase(hubScenario(url, 3, options.timeoutMs)) : undefined;
  const phase = options.phase ?? detected!.phase;
  const requirements = await grade(hubRequirements(phase), hubScenario(url, phase, options.timeoutMs));
  return reportCard({ subject: 'hub', target: base, phase, phaseSource: detected?.how ?? 'given with --phase', requirements, notes: [] });
}
