package redisq

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"

	"github.com/redis/rueidis"
)

// The state changes of a task are Lua scripts (and, for the enqueue, a
// MULTI/EXEC transaction) so that each is atomic: a task id is always in
// exactly one of the queue, one processing list, or nowhere (answered), and a
// crash between two commands cannot lose or duplicate it.

// claimFields are the hash fields a worker reads when it claims a task, in
// the order stepScript returns them: status and attempts decide the claim,
// the rest rebuild the task (decodeTask). Reading named fields (HMGET)
// rather than the whole hash halves what Redis converts and sends per task.
var claimFields = []string{FieldStatus, FieldAttempts, FieldScript, FieldCallerID, FieldContextID,
	FieldCreatedAt, FieldReplyTo, FieldTimeoutMS, FieldPreserve, FieldExpiresAt, FieldVars, FieldServer}

// luaClaim is the claiming part of stepScript. claim marks a task that is
// already in the processing list as taken and returns its id followed by
// the values of claimFields (false for an absent field; status and
// attempts as read before the claim). A task whose hash is gone (expired,
// or deleted with its answer) or that is already answered is dropped from
// the processing list and false is returned. attempts is written as a
// string literal on the first take: Lua numbers become strings through
// printf, which costs more than the HSET itself.
//
// take moves up to want ids from the front of the queue into the processing
// list at once (LRANGE, LTRIM, LPUSH: the processing list keeps the oldest
// at its tail, as BLMOVE … RIGHT LEFT would) and claims them in queue
// order, taking again while some were unclaimable and the queue may hold
// more, at most 64 rounds.
var luaClaim = `
local function claim(processing, d, id, wid, now)
  local h = redis.call('HMGET', d, ` + luaStrings(claimFields) + `)
  local st = h[1]
  if st and st ~= 'completed' and st ~= 'error' then
    local n = '1'
    if h[2] then n = tostring((tonumber(h[2]) or 0) + 1) end
    redis.call('HSET', d, 'status', 'processing', 'worker_id', wid, 'updated_at', now, 'attempts', n)
    table.insert(h, 1, id)
    return h
  end
  redis.call('LREM', processing, 1, id)
  return false
end
local function take(queue, processing, want, wid, now, dprefix, out)
  for _ = 1, 64 do
    if want <= 0 then return end
    local asked = want
    local ids = redis.call('LRANGE', queue, -asked, -1)
    if #ids == 0 then return end
    redis.call('LTRIM', queue, 0, -#ids - 1)
    local front = {}
    for i = #ids, 1, -1 do front[#front + 1] = ids[i] end
    redis.call('LPUSH', processing, unpack(front))
    for _, id in ipairs(front) do
      local h = claim(processing, dprefix .. id, id, wid, now)
      if h then
        out[#out + 1] = h
        want = want - 1
      end
    end
    if #ids < asked then return end -- that was all the queue held
  end
end
`

// luaStrings writes ss as Lua string literals separated by commas (they are
// plain identifiers: no escaping needed).
func luaStrings(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + s + "'")
	}
	return b.String()
}

// stepScript is one round trip of a worker loop: it answers the tasks the
// loop finished, claims the task a BLMOVE just moved into the processing
// list (ARGV[5], "" for none), then takes up to ARGV[4] more without
// blocking (see luaClaim), so that a busy worker answers a batch and gets
// the next one in the same round trip.
//
// Answering, atomically per batch: remove the ids from the processing list
// (one LTRIM when they are its tail, which they are unless this is a retry:
// answers come in take order, and the oldest task is at the tail; else one
// LREM each); then for each task, if its hash still exists (its caller has
// not given up and deleted it), delete it (the dispatcher does not
// preserve answered tasks) or record the outcome in it, and push the reply;
// replies to one list go in one RPUSH, whose TTL is refreshed once.
// Answering twice is harmless: a deleted hash is skipped, a second reply is
// dropped by the dispatcher.
//
// KEYS: queue, processing, then per answered task its details and reply
// list ("" for none). ARGV: worker id, now, details prefix, take count,
// claim id, reply list TTL ms, hash TTL ms, then per answered task: task
// id, reply payload, delete ("1") or keep ("0"), number of outcome
// field/value strings, those strings. Returns the claimed tasks as an array
// of (id, claimFields values...) arrays, or false when there is none.
var stepScript = newScript(luaClaim + `
local nd = (#KEYS - 2) / 2
local pushes, order = {}, {}
if nd > 0 then
  local tail = redis.call('LRANGE', KEYS[2], -nd, -1)
  local attail = #tail == nd
  local a = 8
  for i = 1, nd do
    if not attail then break end
    attail = tail[nd + 1 - i] == ARGV[a]
    a = a + 4 + tonumber(ARGV[a + 3])
  end
  if attail then redis.call('LTRIM', KEYS[2], 0, -nd - 1) end
  a = 8
  for i = 1, nd do
    local d, r = KEYS[2 * i + 1], KEYS[2 * i + 2]
    local id, payload, del, nf = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
    local f = a + 4
    a = f + nf
    if not attail then redis.call('LREM', KEYS[2], -1, id) end -- from the tail: oldest there
    local push
    if del == '1' then
      push = redis.call('DEL', d) == 1
    else
      push = redis.call('EXISTS', d) == 1
      if push and nf > 0 then
        redis.call('HSET', d, unpack(ARGV, f, a - 1))
        redis.call('PEXPIRE', d, ARGV[7])
      end
    end
    if push and r ~= '' then
      if not pushes[r] then pushes[r] = {}; order[#order + 1] = r end
      local p = pushes[r]
      p[#p + 1] = payload
    end
  end
end
for _, r in ipairs(order) do
  redis.call('RPUSH', r, unpack(pushes[r]))
  redis.call('PEXPIRE', r, ARGV[6])
end
local out = {}
local want = tonumber(ARGV[4])
if ARGV[5] ~= '' then
  local h = claim(KEYS[2], ARGV[3] .. ARGV[5], ARGV[5], ARGV[1], ARGV[2])
  if h then out[1] = h end
end
take(KEYS[1], KEYS[2], want, ARGV[1], ARGV[2], ARGV[3], out)
if #out == 0 then return false end
return out
`)

// script is a Lua script that runs on any connection, a dedicated one
// included (rueidis.Lua needs a whole Client, and its ExecMulti loads the
// script before every batch): EVALSHA, and EVAL when the server does not
// have it yet (a fresh or restarted Redis).
type script struct{ src, sha string }

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

func (s *script) exec(ctx context.Context, c rueidis.CoreClient, keys, args []string) rueidis.RedisResult {
	r := c.Do(ctx, c.B().Evalsha().Sha1(s.sha).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build())
	if re, ok := rueidis.IsRedisErr(r.Error()); ok && re.IsNoScript() {
		r = c.Do(ctx, c.B().Eval().Script(s.src).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build())
	}
	return r
}

// requeueScript puts a task a draining worker could not finish back at the
// front of its queue. KEYS: processing, queue, details. ARGV: task id, now.
var requeueScript = newScript(`
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
var recoverScript = newScript(`
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
var cancelScript = newScript(`
local n = redis.call('LREM', KEYS[1], 0, ARGV[1])
if n == 0 then return 0 end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'status', 'error', 'error', ARGV[4], 'error_kind', 'timeout', 'updated_at', ARGV[3])
end
return 1
`)
