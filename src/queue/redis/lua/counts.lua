-- Length bookkeeping: the hashes counts:live and counts:dead hold each queue's number of entries,
-- and drop a queue when it reaches 0, so that they list exactly the queues that hold something.
local function count(hash, queue, delta)
  if redis.call('HINCRBY', hash, queue, delta) <= 0 then redis.call('HDEL', hash, queue) end
end
