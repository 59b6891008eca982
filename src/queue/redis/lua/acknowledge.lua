-- Acknowledging a live entry: it leaves its queue for good, and its id is remembered for the
-- de-duplication window in acked:<q>, scored by when; ids older than the window are dropped as
-- acknowledgements come, and the set itself expires once a window passes without one, so that a
-- queue nobody uses leaves nothing behind. With no window, nothing is remembered. What said which
-- shared hub held the entry goes too (unhold), and it no longer waits (unwait).
-- 1 if there was such an entry, else 0.
local function acknowledge(counts, live, body, owner, acked, ready, parked, queue, id, now, window, prefix)
  if redis.call('ZREM', live, id) == 0 then return 0 end
  unhold(prefix, queue, id)
  unwait(ready, parked, id)
  redis.call('HDEL', body, id)
  redis.call('HDEL', owner, id)
  count(counts, queue, -1)
  if window > 0 then
    redis.call('ZADD', acked, now, id)
    redis.call('ZREMRANGEBYSCORE', acked, '-inf', now - window)
    redis.call('PEXPIRE', acked, window)
  end
  return 1
end
