-- Releases a lock only if the caller still owns it (it may have expired and been taken by another).
--
-- KEYS[1] the lock key
-- ARGV[1] the owner token given when the lock was taken
-- Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
