-- Giving back (shared hubs): entry `id` of `queue`, held by `hub`, is held no more and waits again,
-- ready or parked (waiting.lua); a claim keeps its owner, and gets a deadline `claimMs` from `now`
-- if it had none (its hub died while claiming). The caller takes it out of holding:<hub>.
-- Returns whether `hub` held it.
local function giveBackEntry(prefix, hub, queue, id, now, claimMs)
  local held = prefix .. 'held:' .. queue
  if redis.call('HGET', held, id) ~= hub then return false end
  redis.call('HDEL', held, id)
  local owner = redis.call('HGET', prefix .. 'owner:' .. queue, id)
  if owner then redis.call('ZADD', prefix .. 'claim-until:' .. queue, 'NX', now + claimMs, id) end
  wait(prefix .. 'ready:' .. queue, prefix .. 'parked:' .. queue, id, redis.call('ZSCORE', prefix .. 'live:' .. queue, id), owner)
  return true
end
