-- Records how a claimed callback delivery's try went, and releases the claim (callbacks).
--
-- KEYS[1] P:{sNN}:job:ID   the job hash
-- KEYS[2] P:{sNN}:outbox   jobs with a delivery waiting, scored by when it is due
-- ARGV[1] job id
-- ARGV[2] the delivery's id (its webhook-id)
-- ARGV[3] the sender's owner token
-- ARGV[4] pending (tried again at ARGV[7]) | delivered | failed (its last try) | stopped (410 Gone)
-- ARGV[5] tries so far, this one included
-- ARGV[6] what went wrong ('' for nothing)
-- ARGV[7] the next try's time (ms), for pending
-- Returns recorded | superseded (a newer delivery replaced it, or the job's end dropped it, while it
--   was sent: only the claim is released, and the job is scored by its waiting delivery's due time)
--   | lease_lost (the claim ran out and another sender took it: that one records) | not_found.
-- Writes neither the job's updated time nor its heartbeat: a callback is no change of the job.
-- Replay-safe: the first run released the claim, so a second finds none of its owner and answers
--   lease_lost, changing nothing.
local f = redis.call('HMGET', KEYS[1], 'id', 'cbid', 'cblby', 'cbdue')
if not f[1] then return 'not_found' end
if f[3] ~= ARGV[3] then return 'lease_lost' end
redis.call('HDEL', KEYS[1], 'cbl', 'cblby')
if f[2] ~= ARGV[2] then
  if f[2] then
    redis.call('ZADD', KEYS[2], f[4], ARGV[1])
  else
    redis.call('ZREM', KEYS[2], ARGV[1])
  end
  return 'superseded'
end
if ARGV[4] == 'pending' then
  redis.call('HSET', KEYS[1], 'cbpa', ARGV[5], 'cbdue', ARGV[7])
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'cbpe', ARGV[6]) else redis.call('HDEL', KEYS[1], 'cbpe') end
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
  return 'recorded'
end
redis.call('HSET', KEYS[1], 'cbst', ARGV[4], 'cba', ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'cbe', ARGV[6]) else redis.call('HDEL', KEYS[1], 'cbe') end
redis.call('HDEL', KEYS[1], 'cbid', 'cbev', 'cbat', 'cbdue', 'cbpa', 'cbpe')
redis.call('ZREM', KEYS[2], ARGV[1])
return 'recorded'
