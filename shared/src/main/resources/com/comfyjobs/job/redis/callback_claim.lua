-- Claims waiting callback deliveries of one shard's jobs for one sender (callbacks).
--
-- KEYS[1]  P:{sNN}:outbox  jobs with a delivery waiting, scored by when it is due (while a sender
--                          holds it: by the end of its claim)
-- KEYS[2..] P:{sNN}:job:ID of each job to claim (all of the shard)
-- ARGV[1] now (ms)
-- ARGV[2] the sender's owner token
-- ARGV[3] the claim's end (ms)
-- ARGV[4] 'first' to claim only a delivery never tried (a transition's own first try), 'due' for any
-- ARGV[5..] the jobs' ids, in the order of KEYS[2..]
-- Returns one flat field/value list per claimed job: the job as it is now.
-- For each job: gone, or with nothing waiting, it leaves the outbox. A delivery not due yet, or held
--   by another sender whose claim has not run out, is not claimed and stays, scored by when it can be.
--   Otherwise the sender holds the job's callbacks until ARGV[3] (cbl, cblby; a progress also records
--   when it was claimed, cbpt, so the next goes out a second later) and the job is scored by that
--   time: no other sender finds it due meanwhile, and one that died is replaced when the claim ends.
-- Replay-safe: a claim sent again finds the claim its own and makes it again, with the same end.
local now = tonumber(ARGV[1])
local claimed = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local id = ARGV[3 + i]
  local f = redis.call('HMGET', key, 'id', 'cbid', 'cbdue', 'cbl', 'cblby', 'cbev', 'cbpa')
  if not f[1] or not f[2] then
    redis.call('ZREM', KEYS[1], id)
  else
    local due = tonumber(f[3])
    local lease = f[4] and tonumber(f[4]) or 0
    local held = lease > now and f[5] ~= ARGV[2]
    local untried = f[7] == '0'
    if due > now or held then
      local score = due
      if held and lease > score then score = lease end
      redis.call('ZADD', KEYS[1], string.format('%d', score), id)
    elseif ARGV[4] == 'due' or untried then
      redis.call('HSET', key, 'cbl', ARGV[3], 'cblby', ARGV[2])
      if f[6] == 'job.progress' then redis.call('HSET', key, 'cbpt', ARGV[1]) end
      redis.call('ZADD', KEYS[1], ARGV[3], id)
      claimed[#claimed + 1] = redis.call('HGETALL', key)
    end
  end
end
return claimed
