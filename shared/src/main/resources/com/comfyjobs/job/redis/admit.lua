-- Admission of a new job on the user's side: the idempotency key, the per-user cap on live jobs and
-- the user's indexes, atomically in the user's slot. The job itself is written next by insert.lua.
--
-- KEYS[1] P:{user:U}:jobs     the user's job ids scored by creation time
-- KEYS[2] P:{user:U}:live     the user's live job ids
-- KEYS[3] P:{user:U}:idem:K   the idempotency record (P:{user:U}:idem: when there is no key)
-- KEYS[4] P:{user:U}:usage:D  the user's usage on D, the job's creation day (UTC, YYYY-MM-DD)
--   U and K are the user id and key as RedisKeys.encode writes them (layout 1: P:{u:USER}:..., raw)
-- ARGV[1] job id
-- ARGV[2] creation time (ms)
-- ARGV[3] maximum live jobs of the user
-- ARGV[4] '1' when an idempotency key is claimed, else '0'
-- ARGV[5] payload fingerprint
-- ARGV[6] record TTL (ms)
-- ARGV[7] usage TTL (ms)
-- Returns {'admitted'} | {'limit', live} | {'replay', record} | {'mismatch', record}; a record is the
--   JSON {"jobId","fp","at"[,"stored"]} that the first request stored ("stored" once its job was
--   written). Claiming a key again with the job id it recorded resumes that admission (the first
--   request died before inserting the job). Job ids are random, so finding this job id in the user's
--   index means this admission was made already (the same call sent again after a lost reply, or a
--   resumed one): it answers admitted without counting the job a second time, in the cap or in usage.
local resumed = false
if ARGV[4] == '1' then
  local rec = redis.call('GET', KEYS[3])
  if rec then
    local r = cjson.decode(rec)
    if r.fp ~= ARGV[5] then return {'mismatch', rec} end
    if r.jobId ~= ARGV[1] then return {'replay', rec} end
    resumed = true
  end
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {'admitted'} end
local live = redis.call('ZCARD', KEYS[2])
if live >= tonumber(ARGV[3]) then return {'limit', live} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'submitted', 1)
redis.call('PEXPIRE', KEYS[4], ARGV[7])
if ARGV[4] == '1' and not resumed then
  redis.call('SET', KEYS[3], cjson.encode({jobId = ARGV[1], fp = ARGV[5], at = ARGV[2]}), 'PX', ARGV[6])
end
return {'admitted'}
