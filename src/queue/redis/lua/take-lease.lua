-- Takes the writer lease if nobody holds it and no shared hub runs on the prefix, and starts a
-- new epoch for it.
-- KEYS: 1 writer, 2 writer-epoch, 3 holders (shared hubs' beats)
-- ARGV: 1 the token, 2 the lease's length in ms
-- Returns { 1, the epoch }, { 0, the holder's token, the ms its lease has left }, or { -1, the
-- token of a shared hub that beat within the lease's length }: a hub that writes alone keeps the
-- queues in its memory, and would take them from under shared hubs. Shared hubs are looked for
-- only once the lease is free: while a hub that writes alone holds it, they are fenced, and a
-- standby goes on waiting for that hub as before.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local shared = redis.call('ZRANGEBYSCORE', KEYS[3], redis_now_ms() - tonumber(ARGV[2]), '+inf', 'LIMIT', 0, 1)
  if #shared > 0 then
    redis.call('DEL', KEYS[1])
    return { -1, shared[1] }
  end
  return { 1, redis.call('INCR', KEYS[2]) }
end
local holder = redis.call('GET', KEYS[1])
-- The caller's own token: an earlier attempt took the lease, but its reply was lost on the way
-- (Redis went away); the lease is the caller's, in the epoch that attempt started.
if holder == ARGV[1] then
  return { 1, redis.call('GET', KEYS[2]) }
end
return { 0, holder, redis.call('PTTL', KEYS[1]) }
