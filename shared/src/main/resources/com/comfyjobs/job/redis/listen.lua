-- Registers a live listener (a WebSocket connection) in the shard of a job, or of every job of a user.
--
-- KEYS[1] P:{sNN}:listen     live listeners of the shard's jobs (see live_listeners.lua)
-- KEYS[2] P:{sNN}:listen:exp their connections' ends
-- KEYS[3] P:{sNN}:job:ID     the job, when one job is listened to (absent for all of a user's jobs)
-- ARGV[1] the member: j:<job id>:<connection> or u:<user>:<connection>
-- ARGV[2] when the connection ends (ms)
-- ARGV[3] now (ms)
-- ARGV[4] the user (raw), for one job: the job must be the user's
-- Returns, for one job: not_found (unknown or another user's: registers nothing), or the job's status (an
--   ended job is not registered: it changes no more); for all jobs: 'listening'.
-- Also prunes up to 64 members whose connection ended without a disconnect (a Lambda that died).
-- Replay-safe: ZADD of the same member and score changes nothing.
--@RULES@
local answer = 'listening'
if #KEYS == 3 then
  local found = redis.call('HMGET', KEYS[3], 'user', 'status')
  if not found[1] or found[1] ~= ARGV[4] then return 'not_found' end
  answer = found[2]
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, 64)
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
if answer ~= 'listening' and not LIVE[answer] then return answer end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return answer
