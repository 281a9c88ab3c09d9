package redisq

// Replies on a Redis Cluster. A task's answer step (stepScript) is one
// script in its circle's hash slot; the caller's reply list
// (rhai_reply:<process>) is in another, so the script cannot push to it.
// Instead the script appends "reply_to\npayload" to the loop's outbox
// (rhai_outbox:{pk}:<worker>, in the circle's slot, atomically with the
// answer and the state commit), the worker then pushes the payloads to
// their reply lists, and a later step removes the pushed entries from the
// outbox. A worker that dies between the answer and the push leaves the
// entries in its outbox, and recovery pushes them (recoverCluster): an
// answer is never lost, and may be delivered twice, which the dispatcher
// ignores (a task id is delivered once; see waiters).

import (
	"context"
	"log/slog"
	"strings"

	"github.com/redis/rueidis"
)

// maxUnsent bounds the replies a loop keeps for another push attempt after
// a failed one; beyond it they wait in the outbox for recovery.
const maxUnsent = 4096

// outbox is a consumer loop's replies on a Cluster; nil on a single node,
// where the answer step pushes replies itself. Used by the loop's
// goroutine only (the flusher runs while the loop waits for it).
type outbox struct {
	key    string   // rhai_outbox:{pk}:<worker>
	unsent []string // entries whose push failed: pushed again with the next
	sent   []string // entries pushed, removed from the outbox by the next step
}

func (c *Consumer) newOutbox(circle string) *outbox {
	if !c.keys.Cluster {
		return nil
	}
	return &outbox{key: c.keys.Outbox(circle, c.opts.WorkerID)}
}

// name is the outbox key, "" on a single node.
func (o *outbox) name() string {
	if o == nil {
		return ""
	}
	return o.key
}

// pushed are the entries the next step removes from the outbox.
func (o *outbox) pushed() []string {
	if o == nil {
		return nil
	}
	return o.sent
}

// clean forgets the pushed entries once a step removed them.
func (o *outbox) clean() {
	if o != nil {
		o.sent = o.sent[:0]
	}
}

// replyKey is the key a task's reply goes to in the answer step: its reply
// list, or on a Cluster the outbox (a dropped task's too: a Cluster key
// cannot be "", and its empty payload pushes nothing).
func (o *outbox) replyKey(replyTo string) string {
	if o == nil {
		return replyTo
	}
	return o.key
}

// payload is what the answer step pushes for a reply: the payload, or on a
// Cluster "reply_to\npayload" ("" when there is no reply list).
func (o *outbox) payload(replyTo, payload string) string {
	if o == nil {
		return payload
	}
	if replyTo == "" {
		return ""
	}
	return replyTo + "\n" + payload
}

// pushReplies pushes, on a Cluster, the replies the step just answered
// (those whose state commit, if any, went through: outs) and those a
// failed push left, to their reply lists, one RPUSH and PEXPIRE per list.
// Pushed entries are removed from the outbox by the loop's next step; a
// push that fails is tried again with the next one, and the outbox keeps
// them for recovery meanwhile.
func (c *Consumer) pushReplies(ob *outbox, done []ack, outs map[string]string) {
	if ob == nil {
		return
	}
	entries := ob.unsent
	for _, a := range done {
		if a.replyTo == "" || (a.state != nil && outs[a.id] != "ok") {
			continue
		}
		rep := a.rep
		if a.del {
			rep.Deleted = true
		}
		entries = append(entries, ob.payload(a.replyTo, encodeReply(rep)))
	}
	ob.unsent = nil
	if len(entries) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CommandTimeout)
	defer cancel()
	if err := pushReplyEntries(ctx, c.client, entries); err != nil {
		c.pushLog.Log(ctx, c.log, slog.LevelWarn, "push", "failed to push replies; trying again with the next ones", "replies", len(entries), "err", err)
		ob.unsent = entries[max(len(entries)-maxUnsent, 0):]
		return
	}
	ob.sent = append(ob.sent, entries...)
}

// pushReplyEntries pushes outbox entries ("reply_to\npayload") to their
// reply lists: one RPUSH and one PEXPIRE per list, in one pipeline (rueidis
// sends each to its node). A malformed entry (no newline) is skipped.
func pushReplyEntries(ctx context.Context, client rueidis.Client, entries []string) error {
	lists := map[string][]string{}
	var order []string
	for _, e := range entries {
		to, p, ok := strings.Cut(e, "\n")
		if !ok || to == "" {
			continue
		}
		if _, seen := lists[to]; !seen {
			order = append(order, to)
		}
		lists[to] = append(lists[to], p)
	}
	cmds := make(rueidis.Commands, 0, 2*len(order))
	for _, to := range order {
		cmds = append(cmds, client.B().Rpush().Key(to).Element(lists[to]...).Build(),
			client.B().Pexpire().Key(to).Milliseconds(replyTTL.Milliseconds()).Build())
	}
	for _, r := range client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return err
		}
	}
	return nil
}

// cleanOutbox removes a stopping loop's pushed replies from its outbox
// (what is left there is pushed again by the worker's unregistration,
// which only makes the dispatcher drop replies it already had).
func (c *Consumer) cleanOutbox(ob *outbox) {
	if len(ob.pushed()) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CommandTimeout)
	defer cancel()
	cmds := make(rueidis.Commands, len(ob.sent))
	for i, e := range ob.sent {
		cmds[i] = c.client.B().Lrem().Key(ob.key).Count(1).Element(e).Build()
	}
	for _, r := range c.client.DoMulti(ctx, cmds...) {
		if r.Error() != nil {
			return
		}
	}
	ob.clean()
}
