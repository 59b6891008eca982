-- take (shared hubs): hands the calling hub entries of one queue to deliver to its own clients, and
-- marks them held by it, so that no other hub sends them meanwhile. It takes every entry claimed by
-- one of the given owners (drivers connected to it) that no hub holds, and up to `max` entries,
-- oldest first, that nobody claimed and no hub holds.
-- KEYS: 1-2 fence, 3 live:<q>, 4 held:<q>, 5 owner:<q>, 6 body:<q>, 7 failures:<q>,
--       8 holding:<hub>
-- ARGV: 1-3 fence (1 is the hub's token), 4 <q>, 5 max, 6... owners
-- Returns five items an entry: id, seq, the message as JSON, owner (absent when none), failed
-- deliveries so far.
fence()
local hub, queue, max = ARGV[1], ARGV[4], tonumber(ARGV[5])
local taken = {}
local function take(id, seq, owner)
  redis.call('HSET', KEYS[4], id, hub)
  redis.call('SADD', KEYS[8], cjson.encode({ queue, id }))
  local n = #taken
  taken[n + 1] = id
  taken[n + 2] = seq
  taken[n + 3] = redis.call('HGET', KEYS[6], id)
  taken[n + 4] = owner or false
  taken[n + 5] = redis.call('HGET', KEYS[7], id) or '0'
end

if #ARGV > 5 then
  local wanted = {}
  for i = 6, #ARGV do wanted[ARGV[i]] = true end
  local owners = redis.call('HGETALL', KEYS[5])
  for i = 1, #owners, 2 do
    local id, owner = owners[i], owners[i + 1]
    -- Dead letters keep their owner too: only live entries are taken.
    local seq = wanted[owner] and redis.call('ZSCORE', KEYS[3], id)
    if seq and redis.call('HEXISTS', KEYS[4], id) == 0 then take(id, seq, owner) end
  end
end

-- Pages through the line from its head: what is held or claimed there is passed over.
local page, from = 100, 0
while max > 0 do
  local line = redis.call('ZRANGE', KEYS[3], from, from + page - 1, 'WITHSCORES')
  if #line == 0 then break end
  for i = 1, #line, 2 do
    local id = line[i]
    if redis.call('HEXISTS', KEYS[4], id) == 0 and redis.call('HEXISTS', KEYS[5], id) == 0 then
      take(id, line[i + 1], nil)
      max = max - 1
      if max == 0 then break end
    end
  end
  from = from + page
end
return taken
