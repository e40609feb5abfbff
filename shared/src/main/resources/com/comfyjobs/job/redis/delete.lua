-- Removes a job, its workflow and its shard index entries, and fixes the shard's counters.
--
-- KEYS[1] P:{sNN}:job:ID   the job hash
-- KEYS[2] P:{sNN}:wf:ID    its workflow
-- KEYS[3] P:{sNN}:active   live job ids
-- KEYS[4] P:{sNN}:counts   status -> count
-- KEYS[5] P:{sNN}:ended    terminal jobs ["status","user","id"]
-- ARGV[1] job id
-- Returns the job's user id, or false when the job did not exist (the user's indexes are the
--   caller's second command, in the user's slot).
local f = redis.call('HMGET', KEYS[1], 'status', 'user')
if not f[1] then return false end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[5], cjson.encode({f[1], f[2], ARGV[1]}))
redis.call('HINCRBY', KEYS[4], f[1], -1)
return f[2]
