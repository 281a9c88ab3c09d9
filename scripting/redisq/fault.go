package redisq

// Permanent faults: Redis answers, but in a way that retrying will not fix
// (a wrong or missing password, a Cluster that is down, a server too old
// for BLMOVE).
// They fail start-up with one sentence, and when they appear later (a
// password set while the server runs) /readyz and every play say that
// sentence instead of "busy".

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
)

// MinServerVersion is the oldest Redis the queues run on: BLMOVE came in
// 6.2 (BLMPOP, 7.0, has a fallback).
const MinServerVersion = "6.2"

// FaultError is a permanent Redis fault: Reason is a sentence fit for an
// operator and for callers, with no address or secret in it. It is a
// scripting.ErrQueueUnreachable, so callers see -32006, with the reason.
type FaultError struct {
	reason string
	err    error // the Redis error, for errors.Is/As; not in Error()
}

func (e *FaultError) Error() string { return e.reason }

// Reason is the sentence (scripting.UnavailableReason shows it to callers).
func (e *FaultError) Reason() string { return e.reason }

func (e *FaultError) Unwrap() []error { return []error{scripting.ErrQueueUnreachable, e.err} }

// Fault returns the permanent fault err shows, or nil when err is nil or
// may go away by itself (a refused connection, a timeout, a busy server).
func Fault(err error) *FaultError {
	if err == nil {
		return nil
	}
	var fe *FaultError
	if errors.As(err, &fe) {
		return fe
	}
	var re *rueidis.RedisError
	if !errors.As(err, &re) {
		return nil
	}
	msg := re.Error()
	code, _, _ := strings.Cut(msg, " ")
	reason := ""
	switch code {
	case "WRONGPASS":
		reason = "Redis rejected the password (check the user and password in the redis url)"
	case "NOAUTH":
		reason = "Redis requires a password and the redis url gives none"
	case "NOPERM":
		reason = "Redis refused a command to the redis url's user (its ACL lacks a permission the task queues need)"
	case "MOVED", "ASK":
		reason = "Redis is a Cluster, but it did not answer as one when this process started (restart the process once the Cluster is up)"
	case "CLUSTERDOWN":
		reason = "Redis Cluster is down (not every hash slot is served; check CLUSTER INFO)"
	case "CROSSSLOT":
		reason = "Redis Cluster refused a command whose keys are in different hash slots"
	case "ERR":
		switch lower := strings.ToLower(msg); {
		case strings.Contains(lower, "invalid password"), strings.Contains(lower, "invalid username-password"):
			reason = "Redis rejected the password (check the user and password in the redis url)"
		case strings.Contains(lower, "unknown command"):
			reason = "Redis is too old for the task queues (it lacks a command; " + MinServerVersion + " or newer is needed)"
		case strings.Contains(lower, "db index is out of range"):
			reason = "Redis has no database of the redis url's number"
		}
	}
	if reason == "" {
		return nil
	}
	return &FaultError{reason: reason, err: err}
}

// Check asks the server behind c whether the queues can run on it: the
// password is accepted, a Cluster serves all its slots (and was seen as
// one), and its version is at least MinServerVersion. It returns a *FaultError for those, and the plain
// error (Fault is nil) when Redis is unreachable, which start-up tolerates.
func Check(ctx context.Context, c rueidis.Client) error {
	info, err := c.Do(ctx, c.B().Info().Section("server").Section("cluster").Build()).ToString()
	if err != nil {
		if fe := Fault(err); fe != nil {
			return fe
		}
		return fmt.Errorf("failed to reach redis: %w", err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if fields["cluster_enabled"] == "1" {
		if !KeysFor(c).Cluster {
			return &FaultError{reason: "Redis is a Cluster, but it did not answer as one when this process started (restart the process once the Cluster is up)",
				err: errors.New("cluster_enabled:1")}
		}
		if err := checkCluster(ctx, c); err != nil {
			return err
		}
	}
	if v := fields["redis_version"]; v != "" && versionLess(v, MinServerVersion) {
		return &FaultError{reason: fmt.Sprintf("Redis %s is too old for the task queues (%s or newer is needed)", v, MinServerVersion),
			err: errors.New("redis_version:" + v)}
	}
	return nil
}

// checkCluster fails unless the Cluster serves every hash slot
// (cluster_state:ok in CLUSTER INFO of the node the client asks).
func checkCluster(ctx context.Context, c rueidis.Client) error {
	info, err := c.Do(ctx, c.B().ClusterInfo().Build()).ToString()
	if err != nil {
		if fe := Fault(err); fe != nil {
			return fe
		}
		return fmt.Errorf("failed to reach redis: %w", err)
	}
	state := ""
	for _, line := range strings.Split(strings.TrimPrefix(info, "txt:"), "\n") { // RESP3 verbatim string
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "cluster_state:"); ok {
			state = v
		}
	}
	if state != "ok" {
		return &FaultError{reason: fmt.Sprintf("Redis Cluster is not ready (cluster_state:%s: not every hash slot is served; check CLUSTER INFO)", state),
			err: errors.New("cluster_state:" + state)}
	}
	return nil
}

// versionLess compares dotted versions numerically ("6.0.16" < "6.2").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
