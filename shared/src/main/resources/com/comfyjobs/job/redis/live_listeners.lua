-- The job's live listeners (WebSocket connections), looked up in the job's own slot. Pasted into
-- transition.lua and claim_push.lua where they say --@LISTENERS@.
-- listen: members j:<job id>:<connection> and u:<user>:<connection>, user and connection escaped as
--   RedisKeys.encode escapes them (no colon left), all scored 0 so that ZRANGEBYLEX finds a prefix;
-- exp: the same members scored by when their connection ends (ms); an expired member is no listener.
-- Answers the (escaped) connection ids.
local function encode_key_part(text)
  return (string.gsub(text, '[%%{}:]', {['%'] = '%25', ['{'] = '%7B', ['}'] = '%7D', [':'] = '%3A'}))
end

local function live_listeners(listen, exp, job_id, user, now_ms)
  local connections = {}
  local seen = {}
  for _, prefix in ipairs({'j:' .. job_id .. ':', 'u:' .. encode_key_part(user) .. ':'}) do
    -- ';' is the byte after ':', so [prefix .. (prefix with ';' for its ':') holds exactly the members that start with prefix
    local upto = string.sub(prefix, 1, -2) .. ';'
    for _, member in ipairs(redis.call('ZRANGEBYLEX', listen, '[' .. prefix, '(' .. upto)) do
      local ends = redis.call('ZSCORE', exp, member)
      local connection = string.sub(member, #prefix + 1)
      if (not ends or tonumber(ends) > now_ms) and not seen[connection] then
        seen[connection] = true
        connections[#connections + 1] = connection
      end
    end
  end
  return connections
end
