-- Guarded transition of one job: checks the guards and applies the changes atomically, together with
-- the shard's indexes, in one round trip.
--
-- KEYS[1] P:{sNN}:job:ID     the job hash
-- KEYS[2] P:{sNN}:wf:ID      its workflow (deleted when the job ends: a finished job keeps only its
--                            hash fields wfsha and wfbytes)
-- KEYS[3] P:{sNN}:active     live job ids scored by heartbeat
-- KEYS[4] P:{sNN}:counts     status -> count
-- KEYS[5] P:{sNN}:ended      terminal jobs ["status","user","id"] scored by finish time
-- KEYS[6] P:{sNN}:evt:ID:EID the event id marker (P:{sNN}:evt: when the transition has no event id)
--                            of an event id that is not numbered (see the replay block)
-- KEYS[7] P:{sNN}:outbox     jobs with a callback delivery waiting, scored by when it is due (callbacks)
-- KEYS[8] P:{sNN}:listen     live listeners of the shard's jobs (see live_listeners.lua)
-- KEYS[9] P:{sNN}:listen:exp their connections' ends
-- KEYS[10] P:{sNN}:pushes:owed the shard's jobs that owe a push, scored by its due time (ms)
-- KEYS[11] P:{sNN}:seen:ID   the job's numbered events: group -> number ranges (see the replay block)
-- ARGV[1] the transition as JSON, written by RedisTransitionSpec:
--   op (the transition's random id), now (ms, string), retentionMs, expectStatus [..], expectAttempt,
--   expectUpdated (ms, string), eventTtlMs with seen {group, n (string)} for a numbered event id, lease (ms, string) with leaseBy (owner), under (owner whose
--   lease must be held), releaseLease, status, cancelStatus, requestCancel, requeue {attempt, server,
--   prompt}, progress, graph {cached [..], finished [..], executing, running {node, value, max}},
--   addOutputs [..] with maxOutputs and maxOutputBytes (the stored list's limits), artifacts (JSON text), error (JSON text), markSubmitted, observed,
--   server, char, meta (JSON text), sent (<attempt>:<sha256> of the graph sent to ComfyUI), returnJob,
--   returnJobWhenActedOn (Transition.answersWithJob: the job only when its status changed or a callback
--   delivery waits for its first try now),
--   push (the change is visible to the job's owner) with pushGapMs (Listening.MIN_GAP)
-- Returns {outcome, previousStatus, status, attempt, userId, live[, field, value, ...]} where outcome is
--   applied | duplicate_event | wrong_attempt | changed | status_conflict | lease_held | lease_lost, or
--   {not_found}; live is {push, due, lastPushedStatus, connection...} (push: now | later | no, see the
--   live listeners block). The job's fields follow when the outcome is applied and returnJob was asked,
--   returnJobWhenActedOn was and the job is acted on, or push is now.
-- A call whose op is the one the job last applied is the same write sent again (a client replays a
--   command whose reply it lost): it answers applied, with the job as it is, and changes nothing; its live
--   answer is the first run's (now again if that run pushed: a second message is harmless).
-- A job with a webhook (hash field cb) also gets the callback delivery the transition causes, in the
--   same write: see the callback block.
-- Cost: linear in the job's stored lists (outputs, capped by maxOutputs; nodes) and the event's.
--@RULES@
--@LISTENERS@
local END = ''  -- GraphUpdate.END: executing {node: null}, the end of the graph
local PROGRESS_EVERY_MS = 1000  -- TransitionApplier.PROGRESS_EVERY: a job's progress callbacks at most once a second

local function empty_array_json(t)
  if #t == 0 then return '[]' end
  return cjson.encode(t)
end

local function decode_list(text)
  if not text or text == '' then return {} end
  local v = cjson.decode(text)
  if type(v) ~= 'table' then return {} end
  return v
end

local function to_set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function output_key(o)
  return tostring(o.node) .. '\0' .. tostring(o.filename) .. '\0' .. tostring(o.subfolder) .. '\0' .. tostring(o.type)
end

local function with_job(result)
  local after = redis.call('HGETALL', KEYS[1])
  for i = 1, #after do result[#result + 1] = after[i] end
  return result
end

local function add_all(list, set, items)
  if not items then return end
  for _, v in ipairs(items) do
    if not set[v] then
      set[v] = true
      list[#list + 1] = v
    end
  end
end

local spec = cjson.decode(ARGV[1])
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return {'not_found'} end
local job = {}
for i = 1, #raw, 2 do job[raw[i]] = raw[i + 1] end

local status = job.status
local attempt = tonumber(job.attempt)
local now = spec.now
local now_n = tonumber(now)
local progress_before = tonumber(job.progress or '0')  -- callbacks: did this transition raise it?

-- ---- the answer's size ----
-- A progress event that changes no status and makes no callback due answers without the job's
-- fields: those are most of the bytes of an event's round trip (Transition.answersWithJob).
local function acted_on(before, after)
  if after ~= before then return true end
  local cb = redis.call('HMGET', KEYS[1], 'cbid', 'cbpa', 'cbdue')
  return cb[1] ~= false and cb[2] == '0' and tonumber(cb[3]) <= now_n
end

local NO_PUSH = {'no', '', ''}

local function reject(outcome)
  return {outcome, status, status, attempt, job.user, NO_PUSH}
end

if job.op and job.op == spec.op then
  local live = NO_PUSH
  if job.pushop == spec.op then
    live = {'now', '', job.pushst or ''}
    for _, c in ipairs(live_listeners(KEYS[8], KEYS[9], job.id, job.user, now_n)) do live[#live + 1] = c end
  elseif job.pushowe and string.sub(job.pushowe, -#spec.op - 1) == ':' .. spec.op then
    live = {'later', string.match(job.pushowe, '^(%d+):'), job.pushst or ''}
  end
  local replayed = {'applied', status, status, attempt, job.user, live}
  if spec.returnJob or live[1] == 'now' or spec.returnJobWhenActedOn and acted_on(status, status) then return with_job(replayed) end
  return replayed
end
-- ---- replay markers ----
-- An event id is recorded before any guard, so a replay is refused whatever became of the job since,
-- ended included. A numbered id (NumberedEventId: the bridge's and the simulator's) goes into the
-- job's one hash KEYS[11] as field group, value the sorted, merged ranges of numbers seen
-- ("1-57,59,61-100"), and the hash lives eventTtlMs after the job's last event: every id is remembered
-- at least that long, and a job's hundred events take one small hash instead of a hundred keys. Its old
-- marker (KEYS[6], one key per event, written before this layout) is still read, so an id recorded by
-- the previous version in the last window is refused too. Any other id keeps its own key with TTL.
local function seen_ranges(text)
  local ranges = {}
  if text then
    for part in string.gmatch(text, '[^,]+') do
      local lo, hi = string.match(part, '^(%d+)-(%d+)$')
      if lo then
        ranges[#ranges + 1] = {tonumber(lo), tonumber(hi)}
      else
        ranges[#ranges + 1] = {tonumber(part), tonumber(part)}
      end
    end
  end
  return ranges
end

-- adds n to the job's ranges of group; false when n is there already
local function mark_seen(group, n)
  local ranges = seen_ranges(redis.call('HGET', KEYS[11], group))
  local at = #ranges + 1
  for i, r in ipairs(ranges) do
    if n >= r[1] and n <= r[2] then return false end
    if n < r[1] then
      at = i
      break
    end
  end
  table.insert(ranges, at, {n, n})
  if at < #ranges and ranges[at + 1][1] == n + 1 then
    ranges[at][2] = ranges[at + 1][2]
    table.remove(ranges, at + 1)
  end
  if at > 1 and ranges[at - 1][2] == n - 1 then
    ranges[at - 1][2] = ranges[at][2]
    table.remove(ranges, at)
  end
  local parts = {}
  for i, r in ipairs(ranges) do
    parts[i] = r[1] == r[2] and string.format('%.0f', r[1]) or string.format('%.0f-%.0f', r[1], r[2])
  end
  redis.call('HSET', KEYS[11], group, table.concat(parts, ','))
  redis.call('PEXPIRE', KEYS[11], spec.eventTtlMs)
  return true
end

if spec.eventTtlMs then
  if spec.seen then
    if redis.call('EXISTS', KEYS[6]) == 1 or not mark_seen(spec.seen.group, tonumber(spec.seen.n)) then
      return reject('duplicate_event')
    end
  elseif not redis.call('SET', KEYS[6], '1', 'NX', 'PX', spec.eventTtlMs) then
    return reject('duplicate_event')
  end
end
-- ---- end of replay markers ----
if spec.expectAttempt and attempt ~= spec.expectAttempt then return reject('wrong_attempt') end
if spec.expectUpdated and job.updated ~= spec.expectUpdated then return reject('changed') end
if not LIVE[status] then return reject('status_conflict') end
if spec.expectStatus then
  local ok = false
  for _, s in ipairs(spec.expectStatus) do if s == status then ok = true end end
  if not ok then return reject('status_conflict') end
end

local target = nil
local cancel_chosen = false
if spec.status then
  target = spec.status
  if spec.cancelStatus and (job.cancel == '1' or spec.requestCancel) then
    target = spec.cancelStatus
    cancel_chosen = true
  end
  if target == status then
    target = nil
  elseif not SUCCESSORS[status][target] then
    return reject('status_conflict')
  end
end
if spec.requeue and not REQUEUE_FROM[status] then return reject('status_conflict') end
local lease_live = job.lease and tonumber(job.lease) > now_n
if spec.under and not (lease_live and job.leaseby == spec.under) then return reject('lease_lost') end
if spec.lease and lease_live and job.leaseby ~= spec.leaseBy then return reject('lease_held') end

local set = {updated = now, hb = now, op = spec.op}
local del = {}

if spec.requeue then
  target = 'queued'
  set.attempt = tostring(spec.requeue.attempt)
  set.server = spec.requeue.server
  set.prompt = spec.requeue.prompt
  set.progress = '0'
  set.outputs = '[]'
  set.cached = '[]'
  set.done = '[]'
  for _, f in ipairs({'node', 'stepv', 'stepm', 'submitted', 'started', 'error'}) do del[#del + 1] = f end
  attempt = spec.requeue.attempt
  job.progress = '0'
  job.node = nil
  job.stepv = nil
  job.stepm = nil
  job.submitted = nil
  job.outputs = nil
end
if spec.lease then
  set.lease = spec.lease
  set.leaseby = spec.leaseBy
end
if spec.releaseLease or spec.markSubmitted then
  set.lease, set.leaseby = nil, nil
  del[#del + 1] = 'lease'
  del[#del + 1] = 'leaseby'
end
if spec.markSubmitted or (spec.observed and not job.submitted) then set.submitted = now end
if spec.server then set.server = spec.server end
if spec.char then set.char = spec.char end
if spec.meta then set.meta = spec.meta end
if spec.sent then set.sent = spec.sent end
if spec.requestCancel then set.cancel = '1' end

local progress = tonumber(job.progress or '0')
local g = spec.graph
if g then
  local cached = decode_list(job.cached)
  local cached_set = to_set(cached)
  local done = decode_list(job.done)
  local done_set = to_set(done)
  add_all(cached, cached_set, g.cached)
  add_all(done, done_set, g.finished)
  local node = job.node
  -- a node that is done cannot be starting: such a report is a late (reordered) delivery
  local executing = g.executing
  if executing and (done_set[executing] or cached_set[executing]) then executing = nil end
  if executing then
    if node and node ~= executing then add_all(done, done_set, {node}) end
    if executing == END then
      del[#del + 1] = 'node'
      node = nil
    else
      set.node = executing
      node = executing
    end
    if node ~= job.node then
      del[#del + 1] = 'stepv'
      del[#del + 1] = 'stepm'
    end
  end
  local run = g.running
  if run and (done_set[run.node] or cached_set[run.node]) then run = nil end
  if run then
    set.node = run.node
    -- a lower step of the same sampler is a late (reordered) delivery: the step never goes back
    local behind = run.node == node and job.stepm == tostring(run.max) and tonumber(job.stepv or '0') > run.value
    if not behind then
      set.stepv = tostring(run.value)
      set.stepm = tostring(run.max)
    end
  end
  local nodes = tonumber(job.nodes or '0')
  local to_run = math.max(1, nodes - #cached)
  local finished = 0
  for _, n in ipairs(done) do
    if not cached_set[n] then finished = finished + 1 end
  end
  if run and run.max > 0 then
    finished = finished + math.min(run.value, run.max) / run.max
  end
  local fraction = math.min(1.0, finished / to_run)
  if fraction > progress then progress = fraction end
  set.cached = empty_array_json(cached)
  set.done = empty_array_json(done)
end
if spec.progress and spec.progress > progress then progress = spec.progress end
if g or spec.progress then
  -- six decimals, cut down; the 1e-9 keeps a stored value (0.506994 is 506993.99999999994 millionths in
  -- binary) from losing a millionth each time it is cut again, which would make progress fall
  set.progress = string.format('%.6f', math.floor(progress * 1000000 + 1e-9) / 1000000)
end

local too_many = false
if spec.addOutputs then
  local outputs = decode_list(job.outputs)
  local seen = {}
  for _, e in ipairs(outputs) do seen[output_key(e)] = true end
  local added = 0
  for _, o in ipairs(spec.addOutputs) do
    local k = output_key(o)
    if not seen[k] then
      seen[k] = true
      added = added + 1
      outputs[#outputs + 1] = o
    end
  end
  if #outputs > spec.maxOutputs then
    too_many = true
  elseif added > 0 then
    local encoded = empty_array_json(outputs)
    if #encoded > spec.maxOutputBytes then
      too_many = true
    else
      set.outputs = encoded
    end
  end
end
if spec.artifacts then set.artifacts = spec.artifacts end
if spec.error and not cancel_chosen then set.error = spec.error end
if too_many then
  target = 'failed'
  set.error = cjson.encode({type = 'too_many_outputs', message = 'ComfyUI reported more than ' .. spec.maxOutputs
    .. ' output files for this job (or a list of them over ' .. math.floor(spec.maxOutputBytes / 1024)
    .. ' KiB); the limit is MAX_OUTPUTS_PER_JOB'})
end

if target then
  set.status = target
  if status == 'queued' and target ~= 'queued' and not spec.lease then
    -- a queued job's lease is its dispatch lease: once ComfyUI has started it, nobody dispatches it
    set.lease, set.leaseby = nil, nil
    del[#del + 1] = 'lease'
    del[#del + 1] = 'leaseby'
  end
  if (target == 'running' or target == 'finalizing') and not job.started then set.started = now end
  if target == 'finalizing' or not LIVE[target] then
    -- no node runs any more: whatever an event in this transition said about one is moot
    set.node, set.stepv, set.stepm = nil, nil, nil
    del[#del + 1] = 'node'
    del[#del + 1] = 'stepv'
    del[#del + 1] = 'stepm'
  end
  if not LIVE[target] then
    set.finished = now
    set.lease, set.leaseby = nil, nil
    del[#del + 1] = 'lease'
    del[#del + 1] = 'leaseby'
    if target == 'succeeded' then set.progress = '1.000000' end
  end
end

-- Callbacks (TransitionApplier.enqueueCallback is the same in Java). The event this transition
-- causes: the job's end, else a rise of its progress. The end drops a progress still waiting, wanted
-- or not, so no progress ever follows it. A wanted event becomes the job's waiting delivery (cbid,
-- its webhook-id msg_<job>_<n> from the count cbn, so a replay writes the same one; cbev, cbat, cbdue,
-- cbpa tries so far, cbpe last error) and the job is scored in the shard's outbox by when it is due:
-- now for the end; for a progress, the due time of the one it replaces, else a second after the last
-- progress was claimed (cbpt). A claim in flight (cbl, cblby) is kept, so the job's next delivery
-- waits until that sender is done. A job whose receiver answered 410 (cbst = stopped) enqueues nothing.
if job.cb and job.cbst ~= 'stopped' then
  local event = nil
  if target and not LIVE[target] then
    event = 'job.' .. target
  elseif set.progress and tonumber(set.progress) > progress_before then
    event = 'job.progress'
  end
  if event then
    local replaced_due = nil
    if job.cbid and job.cbev == 'job.progress' then
      replaced_due = tonumber(job.cbdue)
      for _, f in ipairs({'cbid', 'cbev', 'cbat', 'cbdue', 'cbpa', 'cbpe'}) do del[#del + 1] = f end
      redis.call('ZREM', KEYS[7], job.id)
    end
    local wanted = false
    for _, e in ipairs(cjson.decode(job.cb).events) do
      if e == event then wanted = true end
    end
    if wanted then
      local n = tonumber(job.cbn or '0') + 1
      local due = now_n
      if event == 'job.progress' then
        if replaced_due then
          due = replaced_due
        elseif job.cbpt and tonumber(job.cbpt) + PROGRESS_EVERY_MS > now_n then
          due = tonumber(job.cbpt) + PROGRESS_EVERY_MS
        end
      end
      set.cbn = tostring(n)
      set.cbid = 'msg_' .. job.id .. '_' .. n
      set.cbev = event
      set.cbat = now
      set.cbdue = string.format('%d', due)
      set.cbpa = '0'
      del[#del + 1] = 'cbpe'
      local score = due
      if job.cbl and tonumber(job.cbl) > score then score = tonumber(job.cbl) end
      redis.call('ZADD', KEYS[7], string.format('%d', score), job.id)
    end
  end
end

local new_status = target or status

-- ---- GPU time (usage) ----
-- An attempt runs on ComfyUI from entering running (started) to leaving it: finalizing, an end, or a
-- requeue when it was lost. Each leaving adds its span to gpums, so the attempts add up
-- (TransitionApplier does the same). A replay never gets here (the op check answers it first).
if status == 'running' and new_status ~= 'running' and job.started then
  set.gpums = tostring(tonumber(job.gpums or '0') + math.max(0, now_n - tonumber(job.started)))
end

-- ---- live listeners (WebSocket pushes) ----
-- A change the owner can see (spec.push) goes to the job's live listeners, found in this slot: now, when
-- the job ends or the last push (pushat) is pushGapMs old; else the push is owed and this caller makes it
-- at pushat + pushGapMs (claim_push.lua, with this op), as the job is then, so the last change before a
-- quiet period is not lost. A change while a push is owed rides along with it (no). An owed push is always
-- due at pushat + pushGapMs (only a push moves pushat, and every push clears the debt), so the first change
-- after that time pushes by itself; the job is also listed in KEYS[10] by its due time, where the scheduled
-- recovery run finds a debt whose maker never made it (a Lambda frozen or gone after answering).
-- Job fields: pushat (ms of the last push), pushst (the status it carried), pushop (the op that made it),
-- pushowe (<due ms>:<op> of the owed push). Nobody listening: nothing is written.
local live = NO_PUSH
if spec.push then
  local listeners = live_listeners(KEYS[8], KEYS[9], job.id, job.user, now_n)
  if #listeners > 0 then
    local last_push = tonumber(job.pushat or '0')
    if not LIVE[new_status] or now_n >= last_push + spec.pushGapMs then
      set.pushat, set.pushst, set.pushop = now, new_status, spec.op
      if job.pushowe then
        del[#del + 1] = 'pushowe'
        redis.call('ZREM', KEYS[10], job.id)
      end
      live = {'now', '', job.pushst or ''}
      for _, c in ipairs(listeners) do live[#live + 1] = c end
    elseif not job.pushowe then
      local due = last_push + spec.pushGapMs
      set.pushowe = due .. ':' .. spec.op
      redis.call('ZADD', KEYS[10], due, job.id)
      live = {'later', tostring(due), job.pushst or ''}
    end
  end
end

for i = #del, 1, -1 do
  if set[del[i]] then table.remove(del, i) end
end
local flat = {}
for k, v in pairs(set) do
  flat[#flat + 1] = k
  flat[#flat + 1] = v
end
redis.call('HSET', KEYS[1], unpack(flat))
if #del > 0 then redis.call('HDEL', KEYS[1], unpack(del)) end

if new_status ~= status then
  redis.call('HINCRBY', KEYS[4], status, -1)
  redis.call('HINCRBY', KEYS[4], new_status, 1)
end
if LIVE[new_status] then
  redis.call('ZADD', KEYS[3], now, job.id)
else
  redis.call('ZREM', KEYS[3], job.id)
  redis.call('ZADD', KEYS[5], now, cjson.encode({new_status, job.user, job.id}))
  redis.call('PEXPIRE', KEYS[1], spec.retentionMs)
  redis.call('DEL', KEYS[2])
end

local result = {'applied', status, new_status, attempt, job.user, live}
if spec.returnJob or live[1] == 'now' or spec.returnJobWhenActedOn and acted_on(status, new_status) then return with_job(result) end
return result
