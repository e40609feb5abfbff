-- A job's end counted in its user's usage: the terminal transition's second step, in the user's slot
-- (transition.lua cannot reach it: another slot). The job leaves the user's live index and its end is
-- counted in the same step, so the count follows the index: whoever removes the entry counts the end,
-- and nobody else does (the terminal path, the cap's repair, recovery's settling of ends left behind).
--
-- KEYS[1] P:{user:U}:live     the user's live job ids
-- KEYS[2] P:{user:U}:usage:D  the user's usage on D, the UTC day the job ended
-- ARGV[1] job id
-- ARGV[2] the field of its end: succeeded | failed | canceled | expired
-- ARGV[3] its GPU time, ms (all attempts)
-- ARGV[4] usage TTL (ms)
-- Returns 1 when the end was counted here, 0 when the job had left the index already. Replay-safe: the
--   same call sent again (a lost reply) finds the entry gone and counts nothing.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], 'gpu_ms', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
