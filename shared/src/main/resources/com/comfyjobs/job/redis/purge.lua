-- Retention cleanup of terminal jobs of one shard, after ZRANGEBYSCORE on the ended set chose them:
-- deletes each job and workflow (their TTL may have done it already), drops the ended entry and
-- decrements the counter of the job's final status. An entry already removed by a concurrent purge
-- is skipped, so counters are decremented exactly once.
--
-- KEYS[1] P:{sNN}:ended    terminal jobs ["status","user","id"]
-- KEYS[2] P:{sNN}:counts   status -> count
-- KEYS[3..] P:{sNN}:job:ID and P:{sNN}:wf:ID of each chosen job, in pairs, in ARGV order
-- ARGV[i] the ended entries chosen, one per KEYS pair
-- Returns the entries this call purged.
local purged = {}
for i, member in ipairs(ARGV) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local entry = cjson.decode(member)
    redis.call('DEL', KEYS[1 + 2 * i], KEYS[2 + 2 * i])
    redis.call('HINCRBY', KEYS[2], entry[1], -1)
    purged[#purged + 1] = member
  end
end
return purged
