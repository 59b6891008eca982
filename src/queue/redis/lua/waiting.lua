-- Where a live entry waits while no shared hub holds it, for take.lua to find it without passing
-- over what hubs hold: ready:<q>, scored by its seq, when nobody claimed it; parked:<q>, under its
-- owner, when a driver did (a hub takes it for that driver only). Every live entry is in exactly
-- one of held:<q>, ready:<q> and parked:<q>. A hub that writes alone holds nothing, and keeps the
-- two up to date all the same, so that shared hubs can follow it on the same prefix.
local function wait(ready, parked, id, seq, owner)
  -- Not live (left behind by a CAPS from before unhold ran for every hub): it waits nowhere.
  if not seq then return end
  if owner then
    redis.call('HSET', parked, id, owner)
  else
    redis.call('ZADD', ready, seq, id)
  end
end

-- The entry leaves its queue (acknowledged, completed, dead-lettered): it waits no more.
local function unwait(ready, parked, id)
  redis.call('ZREM', ready, id)
  redis.call('HDEL', parked, id)
end
