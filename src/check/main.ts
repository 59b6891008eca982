/**
 * `npm run check -- hub <url>` / `vendor <command>` / `driver <command>`: grades a student's hub or
 * client on the lab's requirements, prints a report card (or JSON with `--json`), and exits 0 only
 * when every requirement of the phase passed (1 when one failed, 2 when the arguments are wrong).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkClient, type ClientRole } from './check-client';
import { checkHub } from './check-hub';
import type { Phase } from './lab-shapes';
import { formatReportCard, type ReportCard } from './report-card';

/** Exit codes: a failed grade and a check that could not run are told apart. */
const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

const DEFAULT_TIMEOUT_S = 10;

function phase(text: string): Phase {
  if (text !== '2' && text !== '3') throw new InvalidArgumentError('expected 2 (rooms, flat orders) or 3 (queues, getAll and received)');
  return Number(text) as Phase;
}

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a number of seconds > 0, e.g. 10');
  return value;
}

/** A hub URL; `localhost:3001` is taken for `http://localhost:3001`. */
function hubUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://localhost:3001');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected an http:// or https:// URL, not ${url.protocol}//`);
  return url.href;
}

function nonEmpty(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('expected a command, e.g. "node student/vendor.js"');
  return text;
}

interface CommonOptions {
  phase?: Phase;
  json?: boolean;
  /** Seconds. */
  timeout: number;
}

function print(card: ReportCard, options: CommonOptions): void {
  console.log(options.json ? JSON.stringify(card, null, 2) : formatReportCard(card));
  process.exitCode = card.passed ? EXIT.passed : EXIT.failed;
}

function withCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--phase <phase>', 'the lab phase to grade: 2 or 3 (default: detected)').argParser(phase))
    .option('--json', 'print the report card as JSON, for a grade book')
    .option('--timeout <seconds>', 'how long each answer may take', seconds, DEFAULT_TIMEOUT_S);
}

/** The CLI, with `exitOverride` so that tests and `main` decide what an error does. */
export function checkProgram(): Command {
  const program = new Command('caps-check')
    .description("Grade a student's CAPS lab: a hub at a URL, or a vendor or driver command run against a CAPS hub started for the check")
    .exitOverride()
    .showHelpAfterError();
  withCommonOptions(program.command('hub').argument('<url>', "the student's hub, e.g. http://localhost:3001", hubUrl))
    .description("run the lab's scenarios against a running hub (nothing else should be connected to it)")
    .action(async (url: string, options: CommonOptions) => print(await checkHub(url, { timeoutMs: options.timeout * 1000, ...(options.phase ? { phase: options.phase } : {}) }), options));
  for (const role of ['vendor', 'driver'] as const satisfies readonly ClientRole[]) {
    withCommonOptions(program.command(role).argument('<command>', `the command that starts the student's ${role}, e.g. "node student/${role}.js"`, nonEmpty))
      .description(`run the student's ${role} against a CAPS hub started for the check; it gets the hub's address in HUB_URL and PORT`)
      .option('--cwd <dir>', 'where the command runs (npm run starts in the CAPS folder)', process.cwd())
      .action(async (command: string, options: CommonOptions & { cwd: string }) => {
        print(await checkClient(role, command, { timeoutMs: options.timeout * 1000, cwd: options.cwd, ...(options.phase ? { phase: options.phase } : {}) }), options);
      });
  }
  return program;
}

async function main(): Promise<void> {
  // Ctrl-C or a kill: exit through process.exit, whose hook kills the student's process group.
  // `on`, not `once`: under `npm run`, Ctrl-C arrives twice (from the terminal, and forwarded by
  // npm), and a second signal that found no handler would end the checker before that hook ran.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(EXIT.failed));
  try {
    await checkProgram().parseAsync();
    // Exit now rather than wait for whatever a student's hub left open (a keep-alive, a timer).
    process.exit(process.exitCode ?? EXIT.passed);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
    console.error(err instanceof Error ? err.message : err);
    process.exit(EXIT.usage);
  }
}

if (require.main === module) void main();
