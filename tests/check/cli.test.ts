/**
 * `npm run check` as an instructor runs it: exit codes (0 pass, 1 fail, 2 bad arguments), the JSON
 * card, clear errors for bad arguments, and no student process left behind when it is interrupted.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { checkProgram } from '../../src/check/main';
import { Processes, type Proc } from '../helpers/processes';
import { setup, type TestContext } from '../helpers/setup';
import { startStudentHub } from './student-work';

const procs = new Processes();
let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(async () => {
  await procs.cleanup();
  await t.cleanup();
});

/** The exit, however long ts-node takes to start on a loaded machine (jest's own timeout still applies). */
const exit = (proc: Proc) => new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const check = procs.start('check', 'check', args);
  const code = await exit(check);
  return { code, out: check.lines.join('\n') };
}

/** Parses `args` in-process, as `main` does, and resolves with the usage error it prints. */
async function usageError(args: string[]): Promise<string> {
  let printed = '';
  const program = checkProgram();
  for (const command of [program, ...program.commands]) command.configureOutput({ writeErr: (text) => void (printed += text), writeOut: () => undefined });
  await expect(program.parseAsync(args, { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  return printed;
}

it('exits 0 with a JSON card for a passing hub', async () => {
  const url = await startStudentHub(t, 'hub-phase2');
  const { code, out } = await run(['hub', url, '--phase', '2', '--json']);
  expect(code).toBe(0);
  const card = JSON.parse(out) as { passed: boolean; phase: number; requirements: { id: string }[] };
  expect([card.passed, card.phase, card.requirements.map((r) => r.id)]).toEqual([true, 2, ['namespace', 'relay', 'rooms']]);
});

it('exits 1 with a report card for a failing hub, and takes host:port without a scheme', async () => {
  const url = await startStudentHub(t, 'hub-no-namespace');
  const { code, out } = await run(['hub', url.replace('http://', ''), '--phase', '2', '--timeout', '5']);
  expect(code).toBe(1);
  expect(out).toMatch(/FAIL {2}namespace {2}serves the \/caps namespace/);
  expect(out).toMatch(/0 of 3 requirements passed: FAIL/);
});

it.each([
  [['hub'], /missing required argument 'url'/],
  [['hub', 'http://localhost:3001', '--phase', '4'], /--phase <phase>' argument '4' is invalid. expected 2 .* or 3/],
  [['hub', 'http://localhost:3001', '--timeout', '0'], /expected a number of seconds > 0/],
  [['hub', 'ftp://localhost:3001'], /expected an http:\/\/ or https:\/\/ URL, not ftp:/],
  [['vendor', ' '], /expected a command, e.g. "node student\/vendor.js"/],
  [['grade', 'x'], /unknown command 'grade'/],
])('refuses %j with a clear error', async (args, error) => {
  expect(await usageError(args)).toMatch(error);
});

it('exits 2 on bad arguments, apart from a failed grade (1)', async () => {
  const { code, out } = await run(['hub', 'http://localhost:3001', '--phase', '4']);
  expect([code, out]).toEqual([2, expect.stringMatching(/argument '4' is invalid/)]);
});

it("kills the student's whole process group when the check is interrupted", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caps-check-'));
  t.defer(() => rmSync(dir, { recursive: true, force: true }));
  // The shell and its background `sleep` both hold the FIFO open for writing: its reader sees the
  // end only once every process of the group is gone, which is the event to wait for.
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = createReadStream(fifo, 'utf8');
  const started = new Promise<string>((resolve) => reader.once('data', (chunk) => resolve(String(chunk))));
  const ended = new Promise<void>((resolve) => reader.once('end', () => resolve()).resume());
  // `$$`: the student's shell, whose pid is its group's id (the checker starts it in a group of its own).
  const check = procs.start('check', 'check', ['driver', `exec 3>${fifo}; echo started $$ >&3; sleep 600 & wait`, '--phase', '3', '--timeout', '600']);
  const group = Number(/started (\d+)/.exec(await started)![1]);
  // Should the checker leave the group behind, the test still ends it (and with it the FIFO's writers).
  t.defer(() => {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  });
  // The student is running, so the checker has installed its signal handlers (the first thing it does).
  check.signal('SIGINT');
  // The checker gets Ctrl-C twice, from the terminal (here the test) and forwarded by npm. It must
  // exit through its exit hook, which kills the group (code 1), not die of the second signal (npm
  // then ends by SIGINT too).
  expect(await check.exited()).toEqual({ code: 1, signal: null });
  await ended;
});
