-- index (shared hubs, once per prefix): files every live entry that no hub holds as ready or parked
-- (waiting.lua) and marks the prefix as indexed. Every script keeps the two up to date since they
-- were introduced; this catches up on entries written by a CAPS from before, which kept neither.
-- KEYS: 1 counts:live, 2 indexed (the mark)
-- ARGV: 1 the prefix
-- Returns how many entries were filed, or -1 if the prefix was indexed already.
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local prefix, filed = ARGV[1], 0
for _, queue in ipairs(redis.call('HKEYS', KEYS[1])) do
  local ready, parked, held, owners = prefix .. 'ready:' .. queue, prefix .. 'parked:' .. queue, prefix .. 'held:' .. queue, prefix .. 'owner:' .. queue
  redis.call('DEL', ready, parked)
  local line = redis.call('ZRANGE', prefix .. 'live:' .. queue, 0, -1, 'WITHSCORES')
  for i = 1, #line, 2 do
    local id = line[i]
    if redis.call('HEXISTS', held, id) == 0 then
      wait(ready, parked, id, line[i + 1], redis.call('HGET', owners, id))
      filed = filed + 1
    end
  end
end
redis.call('SET', KEYS[2], '1')
return filed
