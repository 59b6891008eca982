/**
 * The pause a client makes before trying its next hub: Socket.IO's schedule (250 ms doubling to
 * 5 s, ±50 % jitter), doubling once per round of all the hubs, so that a client of two hubs whose
 * first hub died tries the second, which may be taking over, without waiting longer each time.
 */
import { pauseMs } from '../../src/client/hub-link';

/** The bounds of a pause whose base is `base` ms: jitter is 0.5× to 1.5×. */
const within = (ms: number, base: number) => ms >= base * 0.5 && ms <= base * 1.5;

it('doubles once per round of every hub, not at each hub', () => {
  const bases = [250, 250, 500, 500, 1000, 1000, 2000, 2000, 4000, 4000, 5000, 5000];
  bases.forEach((base, failures) => {
    for (let i = 0; i < 50; i++) expect(within(pauseMs(failures, 2), base)).toBe(true);
  });
});

it('is Socket.IO’s schedule with one hub, and never over 5 s with jitter', () => {
  [250, 500, 1000, 2000, 4000, 5000, 5000].forEach((base, failures) => {
    for (let i = 0; i < 50; i++) expect(within(pauseMs(failures, 1), base)).toBe(true);
  });
  expect(pauseMs(1000, 3)).toBeLessThanOrEqual(7500);
});
