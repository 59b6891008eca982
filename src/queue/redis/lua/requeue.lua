-- requeue: moves a dead letter back to the end of its queue, with a new seq and no owner.
-- KEYS: 1-2 fence, 3 seq, 4 counts:live, 5 counts:dead, 6 live:<q>, 7 dead:<q>, 8 owner:<q>,
--       9 death:<q>, 10 body:<q>, 11 ready:<q>
-- ARGV: 1-3 fence, 4 <q>, 5 message id, 6 the channel on which shared hubs are told that the queue
--       has an entry to take ('' for a hub that writes alone)
-- Returns { seq, the message as JSON }, or nil if there is no such dead letter.
fence()
local id = ARGV[5]
if redis.call('ZREM', KEYS[7], id) == 0 then return false end
redis.call('HDEL', KEYS[8], id)
redis.call('HDEL', KEYS[9], id)
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[6], seq, id)
-- It waits, ready for any hub (waiting.lua).
redis.call('ZADD', KEYS[11], seq, id)
count(KEYS[4], ARGV[4], 1)
count(KEYS[5], ARGV[4], -1)
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[4]) end
return { seq, redis.call('HGET', KEYS[10], id) }
