-- Remembers what a WebSocket connection listens to, for its disconnect.
--
-- KEYS[1] P:{ws:CONN}:conn  the connection's user (a string whose TTL is the connection's end)
-- KEYS[2] P:{ws:CONN}:subs  the targets it listens to: job ids, '*' for all of its user's jobs
-- ARGV[1] the target
-- Returns {user, number of targets}, or {} when the connection is unknown (ended, or never opened).
-- The set takes the connection's TTL, so both go together. Replay-safe: SADD of a member it has changes
-- nothing.
local user = redis.call('GET', KEYS[1])
if not user then return {} end
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {user, redis.call('SCARD', KEYS[2])}
