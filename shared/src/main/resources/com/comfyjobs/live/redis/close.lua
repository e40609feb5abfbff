-- Removes a WebSocket connection's record and answers what it listened to, so that its listener
-- registrations can be taken back.
--
-- KEYS[1] P:{ws:CONN}:conn  the connection's user
-- KEYS[2] P:{ws:CONN}:subs  the targets it listens to
-- Returns {user, target...}, or {} when the connection is gone already. A second run (a lost reply)
-- answers {}: registrations it would have named then expire with the connection (listen:exp).
local user = redis.call('GET', KEYS[1])
if not user then return {} end
local result = {user}
for _, t in ipairs(redis.call('SMEMBERS', KEYS[2])) do result[#result + 1] = t end
redis.call('DEL', KEYS[1], KEYS[2])
return result
