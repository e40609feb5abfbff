-- Rotates a caller's callback signing secret (callbacks).
--
-- KEYS[1] P:{user:U}:whsec  hash: cur (the sealed current secret), prev (the one before it), rot (when
--                           it was replaced, ms), op (the rotation that made cur)
-- ARGV[1] the new secret, sealed
-- ARGV[2] now (ms)
-- ARGV[3] the rotation's op id (random per request)
-- Returns the hash's fields after the rotation.
-- The current secret becomes the previous one, replaced now (one made before and never rotated
--   included); with none, the new one is simply the first.
-- Replay-safe: a call whose op made the current secret is that rotation sent again (a lost reply): it
--   answers the secrets as they are. Without the op, it would make the new secret also the previous
--   one and drop the secret receivers still verify with.
local op = redis.call('HGET', KEYS[1], 'op')
if op ~= ARGV[3] then
  local cur = redis.call('HGET', KEYS[1], 'cur')
  if cur then
    redis.call('HSET', KEYS[1], 'prev', cur, 'rot', ARGV[2])
  end
  redis.call('HSET', KEYS[1], 'cur', ARGV[1], 'op', ARGV[3])
end
return redis.call('HGETALL', KEYS[1])
