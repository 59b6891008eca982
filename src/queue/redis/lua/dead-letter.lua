-- deadLetter: moves a live entry to its queue's dead letters, keeping its seq, body and owner.
-- KEYS: 1-2 fence, 3 counts:live, 4 counts:dead, 5 live:<q>, 6 dead:<q>, 7 death:<q>, 8 ready:<q>,
--       9 parked:<q>
-- ARGV: 1-3 fence, 4 <q>, 5 message id, 6 { reason, deadAt } as JSON, 7 the prefix
-- Returns 1, or 0 if there is no such live entry.
fence()
local id = ARGV[5]
local seq = redis.call('ZSCORE', KEYS[5], id)
if not seq then return 0 end
redis.call('ZREM', KEYS[5], id)
unhold(ARGV[7], ARGV[4], id)
unwait(KEYS[8], KEYS[9], id)
redis.call('ZADD', KEYS[6], seq, id)
redis.call('HSET', KEYS[7], id, ARGV[6])
count(KEYS[3], ARGV[4], -1)
count(KEYS[4], ARGV[4], 1)
return 1
