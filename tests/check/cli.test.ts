/**
 * `npm run check` as an instructor runs it: exit codes (0 pass, 1 fail, 2 bad arguments), the JSON
 * card, clear errors for bad arguments, and no student process left behind when it is interrupted.
 */
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
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

/** Whether `pid` still runs: a killed process may linger as a zombie until its new parent reaps it. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

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
  const pidFile = join(dir, 'pid');
  // The shell (whose pid is the group's id) and `sleep`, a grandchild in the background.
  const written = new Promise<void>((resolve) => {
    const watcher = watch(dir, () => {
      if (readFileSync(pidFile, { flag: 'a+' }).toString().endsWith('\n')) (watcher.close(), resolve());
    });
  });
  const check = procs.start('check', 'check', ['driver', `sleep 600 & echo "$$ $!" > ${pidFile}; wait`, '--phase', '3', '--timeout', '600']);
  await written;
  const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
  expect(pids.map(alive)).toEqual([true, true]);
  check.signal('SIGINT');
  await exit(check);
  expect(pids.map(alive)).toEqual([false, false]);
});
