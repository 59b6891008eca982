/**
 * What `CLASSROOM=open` gives away, in the words the hub prints when it starts that way: anonymous
 * clients get the lab protocol's powers, and the lab protocol has no notion of whose data is whose.
 */
export const CLASSROOM_OPEN_WARNING =
  'CLASSROOM=open: clients with no token may connect from ANY address that reaches this hub, with the lab\'s powers. ' +
  "Any of them can post pickups for any store, join any store's room and read its customers' names and addresses, " +
  'and receive, take (by acknowledging) and report on pickups, and read delivery notices meant for others. ' +
  'Use it only on a network you trust (a classroom), never on a hub reachable from the internet; ' +
  'clients with a token are held to their token either way.';
