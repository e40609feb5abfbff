-- Stores a new job with its workflow and indexes it in its shard, unless the id exists.
--
-- KEYS[1] P:{sNN}:job:ID    the job hash
-- KEYS[2] P:{sNN}:wf:ID     its workflow
-- KEYS[3] P:{sNN}:active    live job ids scored by heartbeat
-- KEYS[4] P:{sNN}:counts    status -> count
-- ARGV[1] job id
-- ARGV[2] heartbeat (ms)
-- ARGV[3] the job's user id
-- ARGV[4] workflow JSON
-- ARGV[5..] the job's hash fields as field, value pairs (status is queued)
-- Returns 1 when stored, 0 when another job has the id. Job ids are random, so a job with this id and
--   user is this very insert sent again (a client replays a command whose reply it lost): it answers 1
--   and changes nothing.
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'user') == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('SET', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'queued', 1)
return 1
