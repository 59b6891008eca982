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
