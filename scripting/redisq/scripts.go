package redisq

import "github.com/redis/rueidis"

// The state changes of a task are Lua scripts so that each is atomic: a task
// id is always in exactly one of the queue, one processing list, or nowhere
// (answered), and a crash between two commands cannot lose or duplicate it.

// enqueueScript writes the task hash and pushes its id, unless the queue is
// full. KEYS: details, queue. ARGV: max queue length (0: unbounded), hash TTL
// in ms, task id, then field/value pairs. Returns 1, or 0 when full.
var enqueueScript = rueidis.NewLuaScript(`
local max = tonumber(ARGV[1])
if max > 0 and redis.call('LLEN', KEYS[2]) >= max then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
return 1
`)

// claimScript marks a task just moved into a processing list as taken and
// returns its hash. A task whose hash is gone (expired, or deleted after its
// answer) or that is already answered is dropped from the processing list
// and nil is returned. KEYS: details, processing. ARGV: task id, worker id,
// now.
var claimScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('LREM', KEYS[2], 1, ARGV[1])
  return false
end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'completed' or st == 'error' then
  redis.call('LREM', KEYS[2], 1, ARGV[1])
  return false
end
redis.call('HSET', KEYS[1], 'status', 'processing', 'worker_id', ARGV[2], 'updated_at', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return redis.call('HGETALL', KEYS[1])
`)

// luaTake is the body of takeScript: move task ids
// from the queue into the processing list until one is claimable (its hash
// exists and is not answered; others are dropped), mark it processing and
// return its id followed by its hash as field/value pairs, or false when the
// queue is empty.
const luaTake = `
local function take(queue, processing, wid, now, dprefix)
  for _ = 1, 64 do
    local id = redis.call('LMOVE', queue, processing, 'RIGHT', 'LEFT')
    if not id then return false end
    local d = dprefix .. id
    local st = redis.call('HGET', d, 'status')
    if st and st ~= 'completed' and st ~= 'error' then
      redis.call('HSET', d, 'status', 'processing', 'worker_id', wid, 'updated_at', now)
      redis.call('HINCRBY', d, 'attempts', 1)
      local h = redis.call('HGETALL', d)
      table.insert(h, 1, id)
      return h
    end
    redis.call('LREM', processing, 1, id)
  end
  return false
end
`

// takeScript takes up to ARGV[4] tasks without blocking (see luaTake) and
// returns them as an array of (id, field/value pairs...) arrays, or false
// when the queue is empty. KEYS: queue, processing. ARGV: worker id, now,
// details prefix, count.
var takeScript = rueidis.NewLuaScript(luaTake + `
local out = {}
for _ = 1, tonumber(ARGV[4]) do
  local t = take(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
  if not t then break end
  out[#out + 1] = t
end
if #out == 0 then return false end
return out
`)

// completeScript records the outcome, pushes the reply and removes the task
// from the processing list in one step. If the hash is gone the caller gave
// up and deleted it: nothing is written or pushed. KEYS: details,
// processing, reply list (may be ""). ARGV: task id, reply payload, reply
// list TTL ms, hash TTL ms, then field/value pairs. Returns 1 if answered.
var completeScript = rueidis.NewLuaScript(`
redis.call('LREM', KEYS[2], 1, ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if KEYS[3] ~= '' then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return 1
`)

// requeueScript puts a task a draining worker could not finish back at the
// front of its queue. KEYS: processing, queue, details. ARGV: task id, now.
var requeueScript = rueidis.NewLuaScript(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('HSET', KEYS[3], 'status', 'pending', 'updated_at', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
`)

// recoverScript requeues every task of a worker whose heartbeat key is gone,
// oldest first at the front, then forgets the worker. KEYS: processing,
// heartbeat, workers set. ARGV: worker id, tasks prefix, details prefix, now.
// Returns the number requeued, or -1 if the worker is alive after all.
var recoverScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local n = 0
for i = 1, #ids do
  local d = ARGV[3] .. ids[i]
  local c = redis.call('HGET', d, 'context_id')
  if c then
    redis.call('HSET', d, 'status', 'pending', 'updated_at', ARGV[4])
    redis.call('RPUSH', ARGV[2] .. c, ids[i])
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return n
`)

// cancelScript takes a task its caller gave up on out of the queue if no
// worker took it yet, and then deletes or marks its hash. KEYS: queue,
// details. ARGV: task id, delete (1) or mark (0), now, message. Returns 1 if
// the task was still queued.
var cancelScript = rueidis.NewLuaScript(`
local n = redis.call('LREM', KEYS[1], 0, ARGV[1])
if n == 0 then return 0 end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'status', 'error', 'error', ARGV[4], 'error_kind', 'timeout', 'updated_at', ARGV[3])
end
return 1
`)
