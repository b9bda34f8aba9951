"""The work queue's Lua scripts: every move between a queue's keys is one atomic script."""

ENQUEUE = """
local cap = tonumber(ARGV[1])
if cap > 0 and redis.call('XLEN', KEYS[1]) >= cap then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
"""
# ARGV: group, consumer, entry id, mode (ack | retry | dead | release), retry delay in ms, then the
# retry's member or the fields of the entry to add. Only the consumer that holds the delivery
# settles it: one that lost it to a reclaim (its claim lapsed while Redis was away) leaves it to
# the new holder, which may have settled it already.
SETTLE = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return false end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
if ARGV[4] == 'ack' then return ARGV[3] end
if ARGV[4] == 'retry' then
  local now = redis.call('TIME')
  local due = now[1] * 1000 + math.floor(now[2] / 1000) + tonumber(ARGV[5])
  redis.call('ZADD', KEYS[2], due, ARGV[6])
  return ARGV[3]
end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 6))
"""
# Server time, so that the clocks of the consumers' hosts do not matter.
PROMOTE = """
local now = redis.call('TIME')
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf',
  now[1] * 1000 + math.floor(now[2] / 1000), 'LIMIT', 0, ARGV[1])
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('XADD', KEYS[2], '*', unpack(cjson.decode(member)))
end
return #due
"""
RECLAIM = """
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4],
  'COUNT', ARGV[5])
local deliveries = {}
for _, entry in ipairs(claimed[2]) do
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    table.insert(deliveries, {entry[1], pending[1][4], entry[2]})
  end
end
return {claimed[1], deliveries}
"""
# Resets the idle time of an entry still owned by this consumer; JUSTID keeps its delivery count.
EXTEND = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""
REPLAY = """
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
"""
# Consumers of crashed processes keep their names in the group; drop the idle, empty ones.
PRUNE = """
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
"""
