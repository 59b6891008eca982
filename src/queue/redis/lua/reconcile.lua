-- reconcile (shared hubs): gives back what Redis has the calling hub holding and the hub does not
-- know it holds: entries a take handed it whose reply never reached it (the connection dropped, or
-- Redis was killed, after the take ran). Without this they would stay held by a hub that is alive
-- and beating, and no hub would send them. Hubs are told of the queues that have entries again.
-- KEYS: 1-2 fence, 3 holding:<hub>
-- ARGV: 1-3 fence (1 is the hub's token), 4 the prefix, 5 a claim's length (ms), 6... what the hub
--       holds, each `[<q>, message id]` as JSON
-- Returns how many entries were given back.
fence()
local prefix, hub = ARGV[4], ARGV[1]
local known = {}
-- Re-encoded here, so that the hub's JSON and Lua's (which escapes "/") compare alike.
for i = 6, #ARGV do known[cjson.encode(cjson.decode(ARGV[i]))] = true end
local now, told, given = redis_now_ms(), {}, 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not known[member] then
    local key = cjson.decode(member)
    if giveBackEntry(prefix, hub, key[1], key[2], now, tonumber(ARGV[5])) then
      told[key[1]] = true
      given = given + 1
    end
    redis.call('SREM', KEYS[3], member)
  end
end
for queue in pairs(told) do redis.call('PUBLISH', prefix .. 'available', queue) end
return given
