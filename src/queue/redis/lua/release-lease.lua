-- Gives the writer lease up (a hub that stops), if the caller still holds it. The epoch stays, so
-- that the hub cannot take it back without starting anew.
-- KEYS: 1 writer
-- ARGV: 1 the token
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
