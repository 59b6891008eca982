/**
 * Classroom cohorts spell the lab's events in several ways: `JOIN`, `Join`, `IN-TRANSIT`,
 * `In transit`, `GET-ALL`, `get_all`. The hub folds every incoming event name to one canonical
 * spelling before dispatch, so the handlers (and the typed event map) only know the canonical ones.
 */

/** The canonical names of every event a client may send on `/caps`. */
export const CLIENT_EVENTS = ['join', 'pickup', 'in-transit', 'delivered', 'getAll', 'received', 'claim'] as const;
export type ClientEventName = (typeof CLIENT_EVENTS)[number];

const fold = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');
const byFolded = new Map<string, ClientEventName>(CLIENT_EVENTS.map((name) => [fold(name), name]));
const canonical = new Set<string>(CLIENT_EVENTS);

/**
 * The canonical spelling of a client event name, or `undefined` for a name CAPS does not know.
 * @example canonicalEventName('IN-TRANSIT') === 'in-transit'; canonicalEventName('get_all') === 'getAll'
 */
export function canonicalEventName(name: string): ClientEventName | undefined {
  // Our clients spell every event canonically: answer them without folding.
  if (canonical.has(name)) return name as ClientEventName;
  return byFolded.get(fold(name));
}

/**
 * Whether `name` looks like a misspelling of `known` rather than a name of its own: `drivers`,
 * `DRIVERS`, `Driver_`, `dri-ver`, `drvier` for `driver`. Separators and case are ignored, then one
 * edit (a letter added, changed, or two swapped) is allowed; a shorter name (`drive`, `diver`) is
 * taken as meant. `known` itself, in any case, is not a near miss.
 */
export function isNearMiss(name: string, known: string): boolean {
  const lower = name.toLowerCase();
  if (lower === known) return false;
  const folded = fold(lower).replace(/\./g, '');
  return folded.length >= known.length && editDistance(folded, known, 2) <= 1;
}

/** The optimal-string-alignment distance (swaps count as one edit), or `cap` once it reaches it. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  // Rows of the edit matrix: two back (for swaps), the previous one, the current one.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    [before, previous] = [previous, current];
  }
  return Math.min(previous[b.length]!, cap);
}
