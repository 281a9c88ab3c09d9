package redisq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/rueidis"
)

// PermanentError is a Redis problem that waiting will not fix: a wrong or
// missing password, a server too old for this protocol, a Cluster node.
// Its message is one sentence that says what to change, without secrets.
type PermanentError struct{ Reason string }

func (e *PermanentError) Error() string { return e.Reason }

// UnavailableReason is what a play that could not run says (see
// scripting.UnavailableReason).
func (e *PermanentError) UnavailableReason() string { return e.Reason }

// minRedisMajor is the oldest Redis this protocol runs on: BLMPOP (the
// reply loop) is Redis 7.0.
const minRedisMajor = 7

// Probe checks that Redis at client answers and can serve circles-actor.
// It returns a *PermanentError for problems a retry cannot fix (so that
// start-up fails with that sentence), another error when Redis is only
// unreachable for now, and nil when all is well.
func Probe(ctx context.Context, client rueidis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout*2)
	defer cancel()
	info, err := client.Do(ctx, client.B().Info().Section("server").Section("cluster").Build()).ToString()
	if err != nil {
		if p := Permanent(err); p != nil {
			return p
		}
		return fmt.Errorf("redis is not reachable: %w", err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if fields["cluster_enabled"] == "1" {
		return &PermanentError{Reason: "Redis is a Cluster node, and circles-actor does not support Redis Cluster yet: use a single primary (with Sentinel for failover)"}
	}
	if v := fields["redis_version"]; v != "" {
		major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
		if major < minRedisMajor {
			return &PermanentError{Reason: fmt.Sprintf("Redis %s is too old: circles-actor needs Redis %d.0 or newer", v, minRedisMajor)}
		}
	}
	return nil
}

// Permanent classifies err from a Redis call: a *PermanentError for a
// refused password and the like, nil for everything else (network
// errors, timeouts, a Redis that is loading).
func Permanent(err error) *PermanentError {
	if err == nil {
		return nil
	}
	var p *PermanentError
	if errors.As(err, &p) {
		return p
	}
	msg := err.Error()
	if re, ok := rueidis.IsRedisErr(err); ok {
		msg = re.Error()
	}
	switch {
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"):
		return &PermanentError{Reason: "Redis rejected the password: check the user and password in --redis-url"}
	case strings.Contains(msg, "NOAUTH"):
		return &PermanentError{Reason: "Redis requires a password: give it in --redis-url as redis://:PASSWORD@host:port"}
	case strings.Contains(msg, "without any password configured"):
		return &PermanentError{Reason: "Redis has no password set but --redis-url gives one: remove it from the URL"}
	case strings.Contains(msg, "NOPERM"):
		return &PermanentError{Reason: "Redis refused a command to the --redis-url user (NOPERM): grant it the commands and keys circles-actor uses"}
	case strings.Contains(msg, "CLUSTERDOWN"):
		return &PermanentError{Reason: "the Redis Cluster is not ready (CLUSTERDOWN)"}
	case strings.HasPrefix(msg, "MOVED ") || strings.Contains(msg, "CROSSSLOT"):
		return &PermanentError{Reason: "Redis is a Cluster node, and circles-actor does not support Redis Cluster yet: use a single primary (with Sentinel for failover)"}
	}
	return nil
}

// Replicas is the number of replicas connected to the master at client.
func Replicas(ctx context.Context, client rueidis.Client) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout*2)
	defer cancel()
	info, err := client.Do(ctx, client.B().Info().Section("replication").Build()).ToString()
	if err != nil {
		return 0, fmt.Errorf("failed to read redis replication info: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, nil
}
