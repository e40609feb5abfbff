-- Marks an idempotency record as belonging to a job that was written: from then on, a record whose
-- job is gone means the job ended and was removed, never that its admission is unfinished.
--
-- KEYS[1] P:{user:U}:idem:K   the idempotency record (layout 1: P:{u:USER}:idem:K)
-- ARGV[1] job id the record must name
-- Returns 1 when the record names this job (marked now or before), 0 when it is gone or names another.
local rec = redis.call('GET', KEYS[1])
if not rec then return 0 end
local r = cjson.decode(rec)
if r.jobId ~= ARGV[1] then return 0 end
if r.stored then return 1 end
r.stored = true
redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
return 1
