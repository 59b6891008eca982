/**
 * Tells a phase-3 client from a phase-2 one by what it sends first: a phase-3 vendor posts
 * envelopes (`{ …, order: { … } }`), a phase-3 driver asks `getAll` as it starts.
 */
import type { CheckHubServer } from './check-hub-server';
import type { DetectedPhase } from './detect-phase';

export async function detectClientPhase(role: 'vendor' | 'driver', server: CheckHubServer, timeoutMs: number): Promise<DetectedPhase> {
  try {
    if (role === 'driver') {
      await server.next('getAll', () => true, { timeoutMs, what: 'getAll' });
      return { phase: 3, how: 'detected: it asked getAll' };
    }
    const posted = await server.next('pickup', () => true, { timeoutMs, what: 'a pickup' });
    const envelope = typeof (posted.payload as { order?: unknown } | null)?.order === 'object';
    return envelope ? { phase: 3, how: 'detected: it posts envelopes' } : { phase: 2, how: 'detected: it posts flat orders' };
  } catch (err) {
    return { phase: 2, how: `detected: ${role === 'driver' ? 'no getAll' : 'nothing to tell by'} (${err instanceof Error ? err.message : String(err)})` };
  }
}
