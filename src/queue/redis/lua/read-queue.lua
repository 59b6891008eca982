-- Reads a queue's live entries or its dead letters, whole, in one step (it writes nothing).
-- KEYS: 1 live:<q> or dead:<q>, 2 body:<q>, 3 owner:<q>, 4 death:<q>
-- Returns, in seq order, five items an entry: id, seq, the message as JSON, owner, death as JSON
-- (the last two nil when absent).
local line = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local entries = {}
for i = 1, #line, 2 do
  local id = line[i]
  local n = #entries
  entries[n + 1] = id
  entries[n + 2] = line[i + 1]
  entries[n + 3] = redis.call('HGET', KEYS[2], id)
  entries[n + 4] = redis.call('HGET', KEYS[3], id)
  entries[n + 5] = redis.call('HGET', KEYS[4], id)
end
return entries
