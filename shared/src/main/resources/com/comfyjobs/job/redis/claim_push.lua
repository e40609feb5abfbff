-- Claims a push a transition owed (its answer was later): made at its due time, by the caller that owed it.
--
-- KEYS[1] P:{sNN}:job:ID     the job hash
-- KEYS[2] P:{sNN}:listen     live listeners of the shard's jobs (see live_listeners.lua)
-- KEYS[3] P:{sNN}:listen:exp their connections' ends
-- ARGV[1] the claim: the op id of the transition that owed the push
-- ARGV[2] now (ms)
-- Returns {'claimed', {'now', '', lastPushedStatus, connection...}, field, value, ...} with the job as it is,
--   when the job still owes this push, is live and has listeners: the push is marked made now (pushat,
--   pushst, pushop). Otherwise {'none'}: another push went out since and carried the same changes (pushowe
--   names another op or none), the job ended (its terminal push went out; the debt is dropped), nobody
--   listens any more, or the job is gone.
-- Replay-safe: a claim whose push it already marked made at this very instant (pushop and pushat) answers
--   claimed again.
--@RULES@
--@LISTENERS@
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return {'none'} end
local job = {}
for i = 1, #raw, 2 do job[raw[i]] = raw[i + 1] end
local claim = ARGV[1]
local now = ARGV[2]

local function claimed(last_pushed, listeners)
  local live = {'now', '', last_pushed}
  for _, c in ipairs(listeners) do live[#live + 1] = c end
  local result = {'claimed', live}
  local after = redis.call('HGETALL', KEYS[1])
  for i = 1, #after do result[#result + 1] = after[i] end
  return result
end

local listeners = live_listeners(KEYS[2], KEYS[3], job.id, job.user, tonumber(now))
if job.pushop == claim and job.pushat == now and not job.pushowe then
  if #listeners == 0 then return {'none'} end
  return claimed(job.pushst or '', listeners)
end
if not job.pushowe or string.sub(job.pushowe, -#claim - 1) ~= ':' .. claim then return {'none'} end
if not LIVE[job.status] or #listeners == 0 then
  redis.call('HDEL', KEYS[1], 'pushowe')
  return {'none'}
end
local last_pushed = job.pushst or ''
redis.call('HSET', KEYS[1], 'pushat', now, 'pushst', job.status, 'pushop', claim)
redis.call('HDEL', KEYS[1], 'pushowe')
return claimed(last_pushed, listeners)
