-- Records that an ended job's files were deleted at its owner's request: the one change a terminal job
-- takes. Sets the flag and empties the artifact list, nothing else: HSET keeps the hash's retention TTL,
-- and the status, times, indexes and counters stay as they are.
--
-- KEYS[1] P:{sNN}:job:ID   the job hash
-- Returns marked | live (the job has not ended; nothing changed) | not_found.
-- Sent twice (a reply lost), the second run finds the job marked and marks it again: same answer, same
-- state.
--@RULES@
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
if LIVE[status] then return 'live' end
redis.call('HSET', KEYS[1], 'artdel', '1', 'artifacts', '[]')
return 'marked'
