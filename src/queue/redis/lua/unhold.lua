-- Shared hubs (CAPS_SHARED): an entry leaving its queue (acknowledged, completed, dead-lettered)
-- leaves with it whatever said which hub held it (held:<q>, holding:<hub>), its count of failed
-- deliveries (failures:<q>) and its claim's deadline (claim-until:<q>). Keys are made from the
-- prefix, as the holding hub is known only here. A hub that writes alone holds nothing, but runs
-- this too: shared hubs that it fenced out, or that died, may have held the entry.
local function unhold(prefix, queue, id)
  local held = prefix .. 'held:' .. queue
  local holder = redis.call('HGET', held, id)
  if holder then
    redis.call('HDEL', held, id)
    redis.call('SREM', prefix .. 'holding:' .. holder, cjson.encode({ queue, id }))
  end
  redis.call('HDEL', prefix .. 'failures:' .. queue, id)
  redis.call('ZREM', prefix .. 'claim-until:' .. queue, id)
end
