import { build } from 'hdr-histogram-js';
import { percentile } from '../src/percentile';

const histogram = (...values: number[]) => {
  const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(v);
  return h;
};

describe('percentile', () => {
  it('is 0 for an empty histogram', () => {
    expect(percentile(histogram(), 99)).toBe(0);
  });

  it('never passes the largest value recorded, where HdrHistogram would give its bucket’s top', () => {
    const h = histogram(...Array.from({ length: 99 }, () => 10), 18_010);
    expect(h.getValueAtPercentile(100)).toBeGreaterThan(18_010); // what this guards against
    expect([percentile(h, 50), percentile(h, 99.5), percentile(h, 100)]).toEqual([10, 18_010, 18_010]);
  });
});
