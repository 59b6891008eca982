-- Renews the writer lease: the fence takes it back if it had expired, or fails if it is lost;
-- then it runs its whole length again.
-- KEYS and ARGV: the fence's.
fence()
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
