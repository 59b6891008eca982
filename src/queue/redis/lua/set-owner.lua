-- setOwner: records (or, with no owner given, clears) who claimed a live entry. An entry waiting
-- for a hub to take it moves between ready:<q> and parked:<q> to match (waiting.lua); one a shared
-- hub still holds (it was fenced out by this hub) is where its hub left it, and stays so.
-- KEYS: 1-2 fence, 3 live:<q>, 4 owner:<q>, 5 ready:<q>, 6 parked:<q>
-- ARGV: 1-3 fence, 4 message id, 5 the owner (absent to clear)
-- Returns 1, or 0 if there is no such live entry.
fence()
local id, owner = ARGV[4], ARGV[5]
local seq = redis.call('ZSCORE', KEYS[3], id)
if not seq then return 0 end
local waiting = redis.call('ZREM', KEYS[5], id) + redis.call('HDEL', KEYS[6], id) > 0
if owner then redis.call('HSET', KEYS[4], id, owner) else redis.call('HDEL', KEYS[4], id) end
if waiting then wait(KEYS[5], KEYS[6], id, seq, owner) end
return 1
