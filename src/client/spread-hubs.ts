/**
 * How clients are spread over hubs that all serve (shared hubs): client `i` is given every hub's
 * address, starting with hub `i` round robin, so that it starts there and keeps the others to
 * fail over to. The demo (`--shared`) and the simulator (`--shared`) spread theirs this way.
 */

/** `urls`, starting with the one at `first` (round robin) and going round. */
export function spreadOver(urls: readonly string[], first: number): string[] {
  const i = first % urls.length;
  return [...urls.slice(i), ...urls.slice(0, i)];
}
