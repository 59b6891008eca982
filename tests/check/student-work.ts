/**
 * The student-written fixtures in tests/fixtures/students, run as real processes the way the
 * checker runs a student's client (StudentProcess: a shell command in its own process group).
 */
import { join, resolve } from 'node:path';
import { freePort } from '../../src/cli/free-port';
import { StudentProcess } from '../../src/check/student-process';
import type { TestContext } from '../helpers/setup';
import { WAIT_MS } from '../helpers/wait-for';

export const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(ROOT, 'tests/fixtures/students');

/** The command that runs fixture `name` (e.g. `vendor-phase2`). */
export const studentCommand = (name: string): string => `node ${join(FIXTURES, `${name}.js`)}`;

/** Starts the student hub `name` on a free port; resolves with its URL once it listens. */
export async function startStudentHub(t: TestContext, name: string): Promise<string> {
  const port = await freePort();
  const hub = new StudentProcess(studentCommand(name), { PORT: String(port) }, ROOT);
  hub.start();
  t.defer(() => hub.kill());
  await hub.line(/listening/, WAIT_MS, `${name} to listen`);
  return `http://localhost:${port}`;
}

/** A report card's requirements as `{ id: passed }`, for one readable expectation. */
export function verdicts(card: { requirements: { id: string; passed: boolean }[] }): Record<string, boolean> {
  return Object.fromEntries(card.requirements.map((r) => [r.id, r.passed]));
}

/** The detail of requirement `id` on a card. */
export function detail(card: { requirements: { id: string; detail: string }[] }, id: string): string {
  return card.requirements.find((r) => r.id === id)?.detail ?? `(no requirement ${id})`;
}
