package redisq

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
)

// timeLayout is how created_at and updated_at are written.
const timeLayout = time.RFC3339Nano

// maxTimeout caps timeout_ms read from Redis so a corrupt hash cannot make
// a worker wait for years.
const maxTimeout = 24 * time.Hour

// taskFields returns the hash fields the dispatcher writes for t, as
// field/value pairs ready for HSET.
func taskFields(t scripting.Task, replyTo string, timeout time.Duration, now, expires time.Time, preserve bool) ([]string, error) {
	// The times and the timeout share one allocation: this runs for every play.
	var arr [128]byte
	buf := now.UTC().AppendFormat(arr[:0], timeLayout)
	nNow := len(buf)
	if !t.CreatedAt.IsZero() {
		buf = t.CreatedAt.UTC().AppendFormat(buf, timeLayout)
	}
	nCreated := len(buf)
	buf = strconv.AppendInt(buf, timeout.Milliseconds(), 10)
	nTimeout := len(buf)
	if !expires.IsZero() {
		buf = expires.UTC().AppendFormat(buf, timeLayout)
	}
	all := string(buf)
	ts, created, timeoutMS, expiresAt := all[:nNow], all[nNow:nCreated], all[nCreated:nTimeout], all[nTimeout:]
	if created == "" {
		created = ts
	}
	f := make([]string, 0, 22)
	f = append(f,
		FieldScript, t.Script,
		FieldStatus, StatusPending,
		FieldCallerID, t.CallerID,
		FieldContextID, t.CircleID,
		FieldCreatedAt, created,
		FieldUpdatedAt, ts,
		FieldReplyTo, replyTo,
		FieldTimeoutMS, timeoutMS,
		FieldPreserve, "0",
	)
	if preserve {
		f[len(f)-1] = "1"
	}
	if expiresAt != "" {
		f = append(f, FieldExpiresAt, expiresAt)
	}
	if len(t.Vars) > 0 {
		b, err := json.Marshal(t.Vars)
		if err != nil {
			return nil, fmt.Errorf("failed to encode task vars: %w", err)
		}
		f = append(f, FieldVars, string(b))
	}
	return f, nil
}

// decodeTask rebuilds the task a worker runs from its hash. It returns the
// reply key too. Missing script or context_id is an error: such a hash was
// not written by a dispatcher.
func decodeTask(id string, h map[string]string) (scripting.Task, string, error) {
	t := scripting.Task{ID: id, Script: h[FieldScript], CircleID: h[FieldContextID], CallerID: h[FieldCallerID]}
	if id == "" {
		return t, "", errors.New("task has no id")
	}
	if _, ok := h[FieldScript]; !ok {
		return t, "", fmt.Errorf("task %s has no %s field", id, FieldScript)
	}
	if t.CircleID == "" {
		return t, "", fmt.Errorf("task %s has no %s field", id, FieldContextID)
	}
	if s := h[FieldTimeoutMS]; s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 {
			return t, "", fmt.Errorf("task %s has a bad %s %q", id, FieldTimeoutMS, s)
		}
		t.Timeout = min(time.Duration(ms)*time.Millisecond, maxTimeout)
	}
	if s := h[FieldCreatedAt]; s != "" {
		if ts, err := time.Parse(timeLayout, s); err == nil {
			t.CreatedAt = ts
		}
	}
	if s := h[FieldVars]; s != "" {
		vars, err := decodeVars(s)
		if err != nil {
			return t, "", fmt.Errorf("task %s has bad %s: %w", id, FieldVars, err)
		}
		t.Vars = vars
	}
	return t, h[FieldReplyTo], nil
}

// clockSkew is how far apart the clocks of servers and workers may be;
// expiry is judged with this margin.
const clockSkew = 5 * time.Second

// expired reports whether the task's caller stopped waiting before now
// (expires_at plus clockSkew has passed). Without expires_at (an older
// dispatcher) it is judged from created_at + timeout_ms + legacyGrace, the
// wait such a dispatcher allowed. A task with neither never expires.
func expired(h map[string]string, now time.Time) bool {
	if ts, err := time.Parse(timeLayout, h[FieldExpiresAt]); err == nil {
		return now.After(ts.Add(clockSkew))
	}
	created, err := time.Parse(timeLayout, h[FieldCreatedAt])
	if err != nil {
		return false
	}
	ms, err := strconv.ParseInt(h[FieldTimeoutMS], 10, 64)
	if err != nil || ms <= 0 {
		return false
	}
	return now.After(created.Add(min(time.Duration(ms)*time.Millisecond, maxTimeout) + legacyGrace + clockSkew))
}

// legacyGrace is the Grace a dispatcher without expires_at waited past a
// task's timeout.
const legacyGrace = 2 * time.Second

// decodeVars reads a JSON object keeping numbers as json.Number, so that
// integers stay integers in the script.
func decodeVars(s string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var vars map[string]any
	if err := dec.Decode(&vars); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON object")
	}
	return vars, nil
}

// Reply is the JSON payload a worker pushes to the task's reply_to list.
type Reply struct {
	TaskID   string                 `json:"task_id"`
	Status   string                 `json:"status"` // StatusCompleted or StatusError
	Output   string                 `json:"output,omitempty"`
	Type     string                 `json:"type,omitempty"`
	Prints   []string               `json:"prints,omitempty"`
	Error    *scripting.ScriptError `json:"error,omitempty"`
	TookUS   int64                  `json:"took_us,omitempty"`
	WorkerID string                 `json:"worker_id,omitempty"`
	// Deleted says the worker deleted the task hash with the answer (the
	// dispatcher asked for it with preserve "0"), so the dispatcher need
	// not.
	Deleted bool `json:"deleted,omitempty"`
}

// replyFromResult builds the reply of a finished run.
func replyFromResult(id, workerID string, r scripting.Result) Reply {
	rep := Reply{TaskID: id, Status: StatusCompleted, Output: r.Output, Type: r.Type,
		Prints: r.Prints, TookUS: r.Took.Microseconds(), WorkerID: workerID}
	if r.Err != nil {
		rep.Status, rep.Output, rep.Type, rep.Error = StatusError, "", "", r.Err
	}
	return rep
}

// Result converts the reply back to what Dispatch returns.
func (r Reply) Result() scripting.Result {
	res := scripting.Result{TaskID: r.TaskID, Output: r.Output, Type: r.Type, Prints: r.Prints,
		Took: time.Duration(r.TookUS) * time.Microsecond}
	if r.Status == StatusError {
		e := scripting.ScriptError{Kind: "internal", Message: "worker reported an error without details"}
		if r.Error != nil {
			e = *r.Error
		}
		res.Err, res.Output, res.Type = &e, "", ""
	}
	return res
}

// encodeReply writes a reply payload (see appendReply).
func encodeReply(r Reply) string {
	return string(appendReply(make([]byte, 0, 192+len(r.Output)), r))
}

// DecodeReply parses and validates a reply payload.
func DecodeReply(s string) (Reply, error) {
	r, ok := parseReply(s)
	if !ok {
		r = Reply{}
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return r, fmt.Errorf("failed to decode reply: %w", err)
		}
	}
	if r.TaskID == "" {
		return r, errors.New("failed to decode reply: no task_id")
	}
	switch r.Status {
	case StatusCompleted:
	case StatusError:
		if r.Error == nil {
			return r, fmt.Errorf("failed to decode reply for task %s: status error without error", r.TaskID)
		}
	default:
		return r, fmt.Errorf("failed to decode reply for task %s: bad status %q", r.TaskID, r.Status)
	}
	return r, nil
}

// resultFields are the hash fields a worker writes when a task is answered.
func resultFields(rep Reply, now time.Time) []string {
	prints, _ := json.Marshal(rep.Prints)
	if rep.Prints == nil {
		prints = []byte("[]")
	}
	f := []string{
		FieldStatus, rep.Status,
		FieldUpdatedAt, now.UTC().Format(timeLayout),
		FieldPrints, string(prints),
		FieldTookMS, strconv.FormatInt(rep.TookUS/1000, 10),
	}
	if rep.Error != nil {
		return append(f,
			FieldOutput, "", FieldOutputType, "",
			FieldError, rep.Error.Message,
			FieldErrorKind, rep.Error.Kind,
			FieldErrorLine, strconv.Itoa(rep.Error.Line),
			FieldErrorColumn, strconv.Itoa(rep.Error.Column))
	}
	return append(f, FieldOutput, rep.Output, FieldOutputType, rep.Type, FieldError, "")
}
