-- The key layout migration's move of one day of a user's usage: a layout-1 hash (P:{u:USER}:usage:D)
-- added into its layout-2 twin, which new writes may have started already, so the counts are added,
-- not copied. The layout-1 key is deleted after this answers; a run cut short in between merges it
-- again on the next run, which the marker turns into nothing.
--
-- KEYS[1] P:{user:U}:usage:D  the layout-2 hash
-- ARGV[1] the layout-1 key's name (the marker field is 'from:' and the name)
-- ARGV[2] usage TTL (ms)
-- ARGV[3..] field, count pairs of the layout-1 hash
-- Returns 1 when added here, 0 when this layout-1 key was added before.
if redis.call('HSETNX', KEYS[1], 'from:' .. ARGV[1], '1') == 0 then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
