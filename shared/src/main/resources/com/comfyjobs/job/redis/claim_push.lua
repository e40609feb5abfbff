-- Claims a push a transition owed (its answer was later), at or after its due time: by the caller that owed
-- it (its timer), or by the scheduled sweep of owed pushes whose maker never made them.
--
-- KEYS[1] P:{sNN}:job:ID        the job hash
-- KEYS[2] P:{sNN}:listen        live listeners of the shard's jobs (see live_listeners.lua)
-- KEYS[3] P:{sNN}:listen:exp    their connections' ends
-- KEYS[4] P:{sNN}:pushes:owed   the shard's jobs that owe a push, by due time
-- ARGV[1] the claim: the op id of the transition that owed the push, or '' for whatever push is owed and due
-- ARGV[2] now (ms)
-- ARGV[3] the job id
-- Returns {'claimed', {'now', '', lastPushedStatus, connection...}, field, value, ...} with the job as it is,
--   when the job still owes this push, is live and has listeners: the push is marked made now (pushat,
--   pushst, pushop) and the debt cleared. Otherwise {'none'}: another push went out since and carried the
--   same changes (pushowe names another op or none), the debt is not due yet (a sweep's claim), the job
--   ended (its terminal push went out; the debt is dropped), nobody listens any more (dropped), or the job
--   is gone.
-- Replay-safe: a claim whose push it already marked made at this very instant (pushop and pushat) answers
--   claimed again; a sweep's claim sent twice answers none the second time (a lost message at worst).
--@RULES@
--@LISTENERS@
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then
  redis.call('ZREM', KEYS[4], ARGV[3])
  return {'none'}
end
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
if claim ~= '' and job.pushop == claim and job.pushat == now and not job.pushowe then
  if #listeners == 0 then return {'none'} end
  return claimed(job.pushst or '', listeners)
end
if not job.pushowe then
  redis.call('ZREM', KEYS[4], job.id)
  return {'none'}
end
local due, owner = string.match(job.pushowe, '^(%d+):(.*)$')
if claim == '' then
  if tonumber(due) > tonumber(now) then return {'none'} end
  claim = owner
end
if owner ~= claim then return {'none'} end
redis.call('HDEL', KEYS[1], 'pushowe')
redis.call('ZREM', KEYS[4], job.id)
if not LIVE[job.status] or #listeners == 0 then return {'none'} end
local last_pushed = job.pushst or ''
redis.call('HSET', KEYS[1], 'pushat', now, 'pushst', job.status, 'pushop', claim)
return claimed(last_pushed, listeners)
