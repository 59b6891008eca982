-- setOwner: records (or, with no owner given, clears) who claimed a live entry.
-- KEYS: 1-2 fence, 3 live:<q>, 4 owner:<q>
-- ARGV: 1-3 fence, 4 message id, 5 the owner (absent to clear)
-- Returns 1, or 0 if there is no such live entry.
fence()
if not redis.call('ZSCORE', KEYS[3], ARGV[4]) then return 0 end
if ARGV[5] then redis.call('HSET', KEYS[4], ARGV[4], ARGV[5]) else redis.call('HDEL', KEYS[4], ARGV[4]) end
return 1
