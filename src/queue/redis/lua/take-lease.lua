-- Takes the writer lease if nobody holds it, and starts a new epoch for it.
-- KEYS: 1 writer, 2 writer-epoch
-- ARGV: 1 the token, 2 the lease's length in ms
-- Returns { 1, the epoch }, or { 0, the holder's token, the ms its lease has left }.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return { 1, redis.call('INCR', KEYS[2]) }
end
local holder = redis.call('GET', KEYS[1])
-- The caller's own token: an earlier attempt took the lease, but its reply was lost on the way
-- (Redis went away); the lease is the caller's, in the epoch that attempt started.
if holder == ARGV[1] then
  return { 1, redis.call('GET', KEYS[2]) }
end
return { 0, holder, redis.call('PTTL', KEYS[1]) }
