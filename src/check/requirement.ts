/**
 * What the checker grades: a list of requirements, each passed or failed with a reason a student
 * can act on. A requirement's check throws a `Shortfall` to fail; anything else it throws is a
 * fault of the thing under test too (a hub that crashes a socket), reported the same way.
 */

/** One line of the report card. */
export interface RequirementResult {
  /** A stable key for a grade book, e.g. `namespace`, `getAll`, `catchUp`. */
  id: string;
  /** What was checked, in a few words. */
  title: string;
  passed: boolean;
  /** Why it failed, or what was seen when it passed. */
  detail: string;
}

/** A requirement the thing under test did not meet; its message is the reason on the card. */
export class Shortfall extends Error {
  override readonly name = 'Shortfall';
}

/** A requirement and the check that grades it. The check returns what it saw, or throws. */
export interface Requirement<Context> {
  id: string;
  title: string;
  check(context: Context): Promise<string>;
}

/** Runs each requirement in turn (they share a hub, so never at once), and grades each. */
export async function grade<Context>(requirements: readonly Requirement<Context>[], context: Context): Promise<RequirementResult[]> {
  const results: RequirementResult[] = [];
  for (const requirement of requirements) {
    let result: RequirementResult;
    try {
      result = { id: requirement.id, title: requirement.title, passed: true, detail: await requirement.check(context) };
    } catch (err) {
      result = { id: requirement.id, title: requirement.title, passed: false, detail: err instanceof Error ? err.message : String(err) };
    }
    results.push(result);
  }
  return results;
}

/**
 * Resolves as `promise` does, or fails with "no answer in N s: <what>" once `timeoutMs` passes:
 * a hub or client that never answers fails that requirement instead of hanging the check.
 */
export function answerWithin<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Shortfall(`no answer in ${formatSeconds(timeoutMs)}: ${what}`)), timeoutMs);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}

/** `5000` → `5 s`, `1500` → `1.5 s`. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
