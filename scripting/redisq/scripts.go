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
// A task whose run touched the circle's state is answered only if it is
// still this worker's claim (status processing, worker id, attempts as
// claimed) and the circle's state version is the one the run read (and,
// when it writes, no other run holds the lease); then its writes are
// applied (swrite) in the same step. A stale claim ("stale": the task was
// recovered and is another run's now) is neither committed nor answered
// nor taken out of the processing list; a moved version ("conflict")
// leaves the task claimed, for the worker to run it again. After the
// first refused commit every later one in the batch is refused too (it
// read what the refused one wrote: a batch's runs chain on the worker's
// cache). Versions are names no two commits share, so a run that chained
// on a refused commit can never match another's version by chance.
//
// On a Cluster a reply list is in another slot than the circle: its
// "reply list" key is then the loop's outbox (same slot) and its payload
// "reply_to\npayload", which the worker pushes to reply_to afterwards and
// names in a later step's ARGV[10...] to have it removed from the outbox
// (see Consumer.pushReplies). An empty payload pushes nothing (a dropped
// task on a Cluster, whose key cannot be "").
//
// KEYS: queue, processing, the circle's state keys (values, ordered keys,
// meta, lease), then per answered task its details and reply list ("" for
// none). ARGV: worker id, now, details prefix, take count, claim id, reply
// list TTL ms, hash TTL ms, outbox ("" on a single node), the number of
// outbox entries to remove and those entries, then per answered task: task id, reply
// payload, delete ("1") or keep ("0"), number of outcome field/value
// strings, those strings, then its state section: "-1" without state,
// else the number of writes, attempts, version read, lease owner, the
// version its writes make, the number of keys the run took to be absent
// (checked with HEXISTS: one that exists refuses the commit) and those
// keys, and the writes (op, key, value). Returns {outcomes, claimed...}: outcomes is
// {version, keys, bytes, id, outcome, ...} (empty without state), each
// claimed task an array of (id, claimFields values...).
var stepScript = newScript(luaClaim + luaState + luaStateStep + `
local nd = (#KEYS - 6) / 2
local pushes, order = {}, {}
local outcomes = {}
local a = 10 + tonumber(ARGV[9])
for i = 10, a - 1 do redis.call('LREM', ARGV[8], 1, ARGV[i]) end -- outbox entries already pushed
-- the circle's meta and lease, read at the first task with state and kept
-- here as the step changes them; the meta is written once, at the end
local mread, mdirty, mv, mk, mb, ml = false, false
if nd > 0 then
  -- parse the answers
  local tasks = {}
  local broken = false
  for i = 1, nd do
    local t = {d = KEYS[2 * i + 5], r = KEYS[2 * i + 6], id = ARGV[a], payload = ARGV[a + 1], del = ARGV[a + 2]}
    local nf = tonumber(ARGV[a + 3])
    t.f, t.nf = a + 4, nf
    a = a + 4 + nf
    local nw = tonumber(ARGV[a])
    a = a + 1
    t.answer = true
    if nw >= 0 then
      local attempt, ver, lease, id = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
      local na = tonumber(ARGV[a + 4])
      local as = a + 5
      local w = as + na
      a = w + 3 * nw
      if not mread then
        mv, mk, mb = smeta(KEYS[5])
        mk, mb = tonumber(mk), tonumber(mb)
        ml = redis.call('GET', KEYS[6])
        mread = true
      end
      local c = redis.call('HMGET', t.d, 'status', 'worker_id', 'attempts')
      local code
      local absent = {}
      if c[1] ~= 'processing' or c[2] ~= ARGV[1] or c[3] ~= attempt then
        code = 'stale'
      elseif broken or mv ~= ver then
        code = 'conflict'
      else
        for j = as, w - 1 do
          if redis.call('HEXISTS', KEYS[3], ARGV[j]) == 1 then
            code = 'conflict'
            break
          end
          absent[ARGV[j]] = true
        end
        if code then
        elseif nw > 0 and ml and ml ~= lease then
          code = 'conflict'
        else
          code = 'ok'
          if ml and ml == lease then
            redis.call('DEL', KEYS[6])
            ml = nil
          end
          if nw > 0 then
            local dk, db = swrite(KEYS[3], KEYS[4], ARGV, w, nw, absent)
            mv, mk, mb, mdirty = id, mk + dk, mb + db, true
          end
        end
      end
      if code == 'stale' and lease ~= '' and ml == lease then
        redis.call('DEL', KEYS[6])
        ml = nil
      end
      if code ~= 'ok' then
        broken = true
        t.answer = false
      end
      outcomes[#outcomes + 1] = t.id
      outcomes[#outcomes + 1] = code
    end
    tasks[i] = t
  end
  local attail = not broken
  local tail = {}
  if attail then
    tail = redis.call('LRANGE', KEYS[2], -nd, -1)
    attail = #tail == nd
  end
  for i = 1, nd do
    if not attail then break end
    attail = tail[nd + 1 - i] == tasks[i].id
  end
  if attail then redis.call('LTRIM', KEYS[2], 0, -nd - 1) end
  for i = 1, nd do
    local t = tasks[i]
    if t.answer then
      if not attail then redis.call('LREM', KEYS[2], -1, t.id) end -- from the tail: oldest there
      local push
      if t.del == '1' then
        push = redis.call('DEL', t.d) == 1
      else
        push = redis.call('EXISTS', t.d) == 1
        if push and t.nf > 0 then
          redis.call('HSET', t.d, unpack(ARGV, t.f, t.f + t.nf - 1))
          redis.call('PEXPIRE', t.d, ARGV[7])
        end
      end
      if push and t.r ~= '' and t.payload ~= '' then
        if not pushes[t.r] then pushes[t.r] = {}; order[#order + 1] = t.r end
        local p = pushes[t.r]
        p[#p + 1] = t.payload
      end
    end
  end
end
for _, r in ipairs(order) do
  redis.call('RPUSH', r, unpack(pushes[r]))
  redis.call('PEXPIRE', r, ARGV[6])
end
if mdirty then
  redis.call('HSET', KEYS[5], 'version', mv, 'keys', string.format('%d', mk), 'bytes', string.format('%d', mb))
end
if #outcomes > 0 then
  table.insert(outcomes, 1, mb)
  table.insert(outcomes, 1, mk)
  table.insert(outcomes, 1, mv)
end
local out = {outcomes}
local want = tonumber(ARGV[4])
if ARGV[5] ~= '' then
  local h = claim(KEYS[2], ARGV[3] .. ARGV[5], ARGV[5], ARGV[1], ARGV[2])
  if h then out[2] = h end
end
take(KEYS[1], KEYS[2], want, ARGV[1], ARGV[2], ARGV[3], out)
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

// recoverCircleScript is recoverScript on a Cluster, for one circle of a
// dead worker (its heartbeat is checked before, in its own slot): it
// requeues the ids of the worker's processing list of that circle, oldest
// first at the front, deletes the list, and returns the entries of the
// worker's outbox there (replies recorded but maybe not pushed), which the
// recoverer pushes and then removes. KEYS: processing, queue, outbox.
// ARGV: details prefix, now. Returns {requeued, entries...}.
var recoverCircleScript = newScript(`
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local n = 0
for i = 1, #ids do
  local d = ARGV[1] .. ids[i]
  if redis.call('EXISTS', d) == 1 then
    redis.call('HSET', d, 'status', 'pending', 'updated_at', ARGV[2])
    redis.call('RPUSH', KEYS[2], ids[i])
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
local out = redis.call('LRANGE', KEYS[3], 0, -1)
table.insert(out, 1, n)
return out
`)
