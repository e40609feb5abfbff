-- Reads the key layout and the shard count the data was written with, recording both for a Redis
-- that holds no jobs yet. Data from before layouts were recorded has a shard count and no layout: it
-- is layout 1.
--
-- KEYS[1] P:{meta}:shards   the shard count
-- KEYS[2] P:{meta}:layout   the layout marker
-- ARGV[1] this deployment's shard count
-- ARGV[2] the layout a fresh deployment is written in
-- Returns {shard count, layout marker}.
local shards = redis.call('GET', KEYS[1])
local layout = redis.call('GET', KEYS[2])
if not shards then
  redis.call('SET', KEYS[1], ARGV[1])
  shards = ARGV[1]
  if not layout then
    redis.call('SET', KEYS[2], ARGV[2])
    layout = ARGV[2]
  end
end
if not layout then layout = '1' end
return {shards, layout}
