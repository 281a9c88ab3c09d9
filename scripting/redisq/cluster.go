package redisq

// The dispatcher on a Redis Cluster: a batch of tasks is written as one
// script per circle (each in its circle's slot; rueidis sends them to
// their nodes in one pipeline), after the server's heartbeat, which lives
// in a slot of its own.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
)

// enqueueScript writes a circle's tasks as the MULTI of a single node
// does: per task HSET the hash, PEXPIRE it and LPUSH the id. KEYS: queue,
// then each task's hash. ARGV: hash TTL ms, then per task its id, the
// number of field/value strings and those strings. Returns the queue's
// length after each push.
var enqueueScript = newScript(`
local out = {}
local a = 2
for i = 2, #KEYS do
  local id, nf = ARGV[a], tonumber(ARGV[a + 1])
  redis.call('HSET', KEYS[i], unpack(ARGV, a + 2, a + 1 + nf))
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
  out[#out + 1] = redis.call('LPUSH', KEYS[1], id)
  a = a + 2 + nf
end
return out
`)

// enqueueCluster is enqueue on a Cluster. The heartbeat goes first, alone:
// no task is queued without a live heartbeat behind it. A circle whose
// script fails fails its tasks only.
func (d *Dispatcher) enqueueCluster(ctx context.Context, live []enqueueReq) {
	cctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
	defer cancel()
	if at := time.Now(); d.beat.stale(at) {
		if err := d.client.Do(cctx, d.beat.cmd(d.client)).Error(); err != nil {
			d.enqueueFailed(ctx, err, live, true)
			return
		}
		d.beat.refreshed(at)
	}
	var circles []string
	groups := map[string][]enqueueReq{}
	for _, r := range live {
		if _, ok := groups[r.circle]; !ok {
			circles = append(circles, r.circle)
		}
		groups[r.circle] = append(groups[r.circle], r)
	}
	ttl := strconv.FormatInt(max(d.opts.Retention.Milliseconds(), 1), 10)
	keys, args := make([][]string, len(circles)), make([][]string, len(circles))
	for i, circle := range circles {
		g := groups[circle]
		keys[i] = append(make([]string, 0, 1+len(g)), d.keys.Tasks(circle))
		args[i] = []string{ttl}
		for _, r := range g {
			keys[i] = append(keys[i], d.keys.Details(circle, r.id))
			args[i] = append(args[i], r.id, strconv.Itoa(len(r.fields)))
			args[i] = append(args[i], r.fields...)
		}
	}
	res := enqueueScript.execMulti(cctx, d.client, keys, args)
	ok := false
	for i, circle := range circles {
		g := groups[circle]
		depths, err := res[i].AsIntSlice()
		if err == nil && len(depths) != len(g) {
			err = fmt.Errorf("enqueue returned %d depths for %d tasks", len(depths), len(g))
		}
		if err != nil {
			d.enqueueFailed(ctx, err, g, false)
			continue
		}
		ok = true
		for j, r := range g {
			if d.opts.QueueMaxLen > 0 && depths[j] > int64(d.opts.QueueMaxLen) {
				d.goLoop(func() { d.refuse(r) })
			}
		}
	}
	if ok {
		d.fault.Store(nil)
	}
}

// enqueueFailed fails the callers of tasks that could not be written, and,
// when all is lost (drain), those waiting for the enqueuer too.
func (d *Dispatcher) enqueueFailed(ctx context.Context, err error, reqs []enqueueReq, drain bool) {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	d.beat.invalidate(false)
	if fe := d.noteFault(err); fe != nil { // callers see what is wrong, not "busy"
		err = fe
	}
	fail := func(r enqueueReq) {
		d.deliver(r.id, outcome{notQueued: true,
			err: fmt.Errorf("failed to enqueue task %s: %w: %w", r.id, scripting.ErrQueueUnreachable, err)})
	}
	for _, r := range reqs {
		fail(r)
	}
	for drain { // what queued up meanwhile would wait for the same failure
		select {
		case r := <-d.pending:
			fail(r)
		default:
			return
		}
	}
}

// execMulti runs s once per keys[i]/args[i] in one pipeline (EVALSHA, and
// EVAL for those the server does not have yet).
func (s *script) execMulti(ctx context.Context, c rueidis.Client, keys, args [][]string) []rueidis.RedisResult {
	cmds := make(rueidis.Commands, len(keys))
	for i := range keys {
		cmds[i] = c.B().Evalsha().Sha1(s.sha).Numkeys(int64(len(keys[i]))).Key(keys[i]...).Arg(args[i]...).Build()
	}
	res := c.DoMulti(ctx, cmds...)
	var again rueidis.Commands
	var at []int
	for i, r := range res {
		if re, ok := rueidis.IsRedisErr(r.Error()); ok && re.IsNoScript() {
			again = append(again, c.B().Eval().Script(s.src).Numkeys(int64(len(keys[i]))).Key(keys[i]...).Arg(args[i]...).Build())
			at = append(at, i)
		}
	}
	if len(again) > 0 {
		for j, r := range c.DoMulti(ctx, again...) {
			res[at[j]] = r
		}
	}
	return res
}
