/**
 * `check vendor <command>` and `check driver <command>`: runs a student's client as a child process
 * against a CAPS hub started for the check, plays the other side of the lab, and grades what the
 * client does. The client finds the hub in `HUB_URL` (`http://localhost:<port>`, without `/caps`)
 * and `PORT`.
 */
import { CheckHubServer } from './check-hub-server';
import { clientScenario } from './client-scenario';
import { detectClientPhase } from './detect-client-phase';
import { driverRequirements } from './driver-requirements';
import type { Phase } from './lab-shapes';
import { reportCard, type ReportCard } from './report-card';
import { grade } from './requirement';
import { StudentProcess } from './student-process';
import { vendorRequirements } from './vendor-requirements';

export type ClientRole = 'vendor' | 'driver';

export interface ClientCheckOptions {
  /** The phase to grade; detected when absent. */
  phase?: Phase;
  /** How long each step may take (a vendor that posts every 5 s needs more than 5). */
  timeoutMs: number;
  /** Where the command runs. */
  cwd: string;
}

/** How many of the client's last lines a card shows when something failed. */
const TAIL_LINES = 8;

export async function checkClient(role: ClientRole, command: string, options: ClientCheckOptions): Promise<ReportCard> {
  const server = await CheckHubServer.start();
  const student = new StudentProcess(command, { PORT: String(server.hub.port), HUB_URL: server.url }, options.cwd);
  try {
    student.start();
    const detected = options.phase === undefined ? await detectClientPhase(role, server, options.timeoutMs) : undefined;
    const phase = options.phase ?? detected!.phase;
    const scenario = clientScenario({ phase, timeoutMs: options.timeoutMs, server, student });
    const requirements = await grade(role === 'vendor' ? vendorRequirements(phase) : driverRequirements(phase), scenario);
    await scenario.probes.closeAll();
    const card = reportCard({ subject: role, target: command, phase, phaseSource: detected?.how ?? 'given with --phase', requirements, notes: [] });
    if (!card.passed) {
      card.notes.push(...student.crashes.map((how) => `the ${role} ${how}`));
      if (student.lines.length > 0) card.notes.push(`its last lines:\n${student.lines.slice(-TAIL_LINES).map((l) => `      | ${l}`).join('\n')}`);
    }
    return card;
  } finally {
    await student.kill();
    await server.close();
  }
}
