-- Publishes a template's next version, unless the template (not retired) has this body already.
--
-- KEYS[1] P:{tmpl}:t:NAME   hash: latest -> N; hash -> SHA-256 of version N's body; op -> the op id of
--                            the publish that made version N; v1, v2, ... -> each version's body
-- KEYS[2] P:{tmpl}:live     set: the names of the templates not retired
-- ARGV[1] the template's name
-- ARGV[2] the body (its canonical JSON)
-- ARGV[3] the body's SHA-256
-- ARGV[4] this publish's op id (random per request)
-- Returns {version, 1} when this call made the version, {version, 0} when the template, not retired,
--   has this body as its latest version already. A body equal to an older version, and any body once
--   the template was retired, is a new version (and publishes the template again).
-- Replay-safe: a client sends a script again when its reply was lost. Finding its own op id on the
--   latest version, the call is that publish again: it answers {version, 1} as the first run did and
--   changes nothing. If another publish made a version in between, the replay is judged as a new
--   request (a new version, or {version, 0} when its body is the latest).
local latest = tonumber(redis.call('HGET', KEYS[1], 'latest') or '0')
if latest > 0 and redis.call('HGET', KEYS[1], 'op') == ARGV[4] then
  return {latest, 1}
end
if latest > 0 and redis.call('HGET', KEYS[1], 'hash') == ARGV[3] and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return {latest, 0}
end
local version = latest + 1
redis.call('HSET', KEYS[1], 'latest', version, 'hash', ARGV[3], 'op', ARGV[4], 'v' .. version, ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return {version, 1}
