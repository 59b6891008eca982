-- ack: acknowledges a live entry (see acknowledge).
-- KEYS: 1-2 fence, 3 counts:live, 4 live:<q>, 5 body:<q>, 6 owner:<q>, 7 acked:<q>, 8 ready:<q>,
--       9 parked:<q>
-- ARGV: 1-3 fence, 4 now, 5 window (ms), 6 <q>, 7 message id, 8 the prefix
-- Returns 1, or 0 if there was no such live entry.
fence()
return acknowledge(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], ARGV[6], ARGV[7], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[8])
