-- take (shared hubs): hands the calling hub entries of one queue to deliver to its own clients, and
-- marks them held by it, so that no other hub sends them meanwhile. It takes every parked entry
-- (claimed, held by no hub) whose owner is one of the given owners (drivers connected to it), and
-- up to `max` ready entries (nobody claimed them, no hub holds them), oldest first (waiting.lua).
-- Neither passes over what other hubs hold: the cost is what is taken, and the parked entries.
-- KEYS: 1-2 fence, 3 live:<q>, 4 ready:<q>, 5 parked:<q>, 6 held:<q>, 7 body:<q>, 8 failures:<q>,
--       9 holding:<hub>
-- ARGV: 1-3 fence (1 is the hub's token), 4 <q>, 5 max, 6... owners
-- Returns five items an entry: id, seq, the message as JSON, owner (absent when none), failed
-- deliveries so far.
fence()
local hub, queue, max = ARGV[1], ARGV[4], tonumber(ARGV[5])
local taken = {}
local function take(id, seq, owner)
  redis.call('HSET', KEYS[6], id, hub)
  redis.call('SADD', KEYS[9], cjson.encode({ queue, id }))
  local n = #taken
  taken[n + 1] = id
  taken[n + 2] = seq
  taken[n + 3] = redis.call('HGET', KEYS[7], id)
  taken[n + 4] = owner or false
  taken[n + 5] = redis.call('HGET', KEYS[8], id) or '0'
end

if #ARGV > 5 then
  local wanted = {}
  for i = 6, #ARGV do wanted[ARGV[i]] = true end
  local parked = redis.call('HGETALL', KEYS[5])
  for i = 1, #parked, 2 do
    local id, owner = parked[i], parked[i + 1]
    if wanted[owner] then
      redis.call('HDEL', KEYS[5], id)
      take(id, redis.call('ZSCORE', KEYS[3], id), owner)
    end
  end
end

if max > 0 then
  local line = redis.call('ZPOPMIN', KEYS[4], max)
  for i = 1, #line, 2 do take(line[i], line[i + 1], nil) end
end
return taken
