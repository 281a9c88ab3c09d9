package redisq

import "github.com/redis/rueidis"

// The wire contract: every key name and hash field used in Redis. Other
// implementations (the original Rust worker, scripts, dashboards) rely on
// these exact strings; docs/redis-protocol.md repeats this table. These are
// the single-node (and Sentinel) names; on a Redis Cluster the keys of a
// circle's tasks carry a hash tag instead (Keyspace, below), and two keys
// exist only there (PrefixOutbox, PrefixWorkerCircles).
const (
	// PrefixTasks + circle pk: list of pending task ids. Dispatchers LPUSH,
	// workers BLMOVE from the right, so the right end is the front.
	PrefixTasks = "rhai_tasks:"
	// PrefixDetails + task id: hash of the task (fields below).
	PrefixDetails = "rhai_task_details:"
	// PrefixReply + process id: list of reply payloads (JSON) for one
	// dispatcher process; named in the task's reply_to field.
	PrefixReply = "rhai_reply:"
	// PrefixProcessing + worker id: list of task ids a worker has taken and
	// not finished.
	PrefixProcessing = "rhai_processing:"
	// PrefixWorker + worker id: heartbeat string (JSON WorkerInfo) with a
	// TTL; its expiry marks the worker dead.
	PrefixWorker = "rhai_worker:"
	// KeyWorkers: set of registered worker ids, scanned by recovery.
	KeyWorkers = "rhai_workers"
	// KeyRecoveryLock: SET NX PX lock so that one process at a time recovers.
	KeyRecoveryLock = "rhai_recovery_lock"
)

// Hash fields of PrefixDetails + task id.
const (
	FieldScript      = "script"       // Rhai source
	FieldStatus      = "status"       // one of the Status* values
	FieldCallerID    = "caller_id"    // caller pk or ""
	FieldContextID   = "context_id"   // circle pk
	FieldCreatedAt   = "created_at"   // RFC 3339 UTC, set by the dispatcher
	FieldUpdatedAt   = "updated_at"   // RFC 3339 UTC, set on every status change
	FieldReplyTo     = "reply_to"     // list key the reply is pushed to
	FieldTimeoutMS   = "timeout_ms"   // wall-clock budget of the run in ms
	FieldVars        = "vars"         // optional JSON object of extra script constants
	FieldExpiresAt   = "expires_at"   // optional RFC 3339 UTC: after it nobody waits for the answer
	FieldPreserve    = "preserve"     // "1": keep the answered hash until it expires; "0": the worker deletes it with the answer
	FieldOutput      = "output"       // final value, to_string form (completed)
	FieldOutputType  = "output_type"  // final value's Rhai type name (completed)
	FieldPrints      = "prints"       // JSON array of print() lines
	FieldError       = "error"        // error message (error)
	FieldErrorKind   = "error_kind"   // error kind, e.g. "runtime", "timeout" (error)
	FieldErrorLine   = "error_line"   // 1-based line of the error, 0 if unknown
	FieldErrorColumn = "error_column" // 1-based column of the error, 0 if unknown
	FieldWorkerID    = "worker_id"    // worker that took the task last
	FieldAttempts    = "attempts"     // how many times a worker took the task
	FieldTookMS      = "took_ms"      // run time of the answered attempt in ms
)

// Values of FieldStatus.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusCompleted  = "completed"
	StatusError      = "error"
)

// TasksKey is the queue of circle.
func TasksKey(circle string) string { return PrefixTasks + circle }

// DetailsKey is the hash of task id.
func DetailsKey(id string) string { return PrefixDetails + id }

// ReplyKey is the reply list of a dispatcher process.
func ReplyKey(processID string) string { return PrefixReply + processID }

// ProcessingKey is the processing list of a worker.
func ProcessingKey(workerID string) string { return PrefixProcessing + workerID }

// WorkerKey is the heartbeat key of a worker.
func WorkerKey(workerID string) string { return PrefixWorker + workerID }

// The shared circle set (circles added at runtime through the admin API;
// see circles.go and docs/redis-protocol.md).
const (
	// KeyCircles: hash of added circles, canonical pk -> added_at (RFC 3339 UTC).
	KeyCircles = "rhai_circles"
	// KeyCirclesVersion: counter bumped by every change of KeyCircles, so a
	// follower's periodic re-read is one GET while nothing changes.
	KeyCirclesVersion = "rhai_circles_version"
	// ChannelCircles: pub/sub channel; every change publishes "add <pk>" or
	// "remove <pk>".
	ChannelCircles = "rhai_circles_events"
)

// Per-circle state (package state's Store in Redis mode). Each key carries
// the circle pk in braces, a Redis Cluster hash tag, so that all of one
// circle's state keys live in one hash slot and every state script is
// single-slot. Values are state.Encode bytes.
const (
	// PrefixState + "{pk}": hash of the circle's values, field = state
	// key, value = encoded value.
	PrefixState = "circle_state:"
	// PrefixStateKeys + "{pk}": sorted set of the circle's keys, all with
	// score 0, for byte-ordered scans (ZRANGEBYLEX).
	PrefixStateKeys = "circle_state_keys:"
	// PrefixStateMeta + "{pk}": hash with fields version (commits so far),
	// keys and bytes (the circle's totals: keys plus values).
	PrefixStateMeta = "circle_state_meta:"
	// PrefixStateLease + "{pk}": string with a TTL naming the run that
	// lost a commit race and now has the right of way (see StateStore).
	PrefixStateLease = "circle_state_lease:"
)

// Fields of PrefixStateMeta + "{pk}".
const (
	FieldStateVersion = "version"
	FieldStateKeys    = "keys"
	FieldStateBytes   = "bytes"
)

// StateKeys are circle's four state keys, in the order the state scripts
// take them: values, ordered keys, meta, lease.
func StateKeys(circle string) []string {
	tag := "{" + circle + "}"
	return []string{PrefixState + tag, PrefixStateKeys + tag, PrefixStateMeta + tag, PrefixStateLease + tag}
}

// Keys on a Redis Cluster. Every group of keys one script or MULTI touches
// must hash to one slot there, so the keys of a circle's tasks carry the
// circle pk in braces (a hash tag, like the state keys): the queue, the
// task hashes, the processing lists (one per circle and worker, since a
// worker's circles live in different slots) and the outbox. A single node
// (and Sentinel) keeps the original names above; Keyspace picks.
const (
	// PrefixOutbox + "{pk}:" + worker id (Cluster only): list of replies
	// the answer step recorded and the worker has still to push (each
	// "reply_to\npayload"): a reply list lives in another slot than the
	// circle, so the push is a second step, and a worker that dies between
	// the two leaves its replies here for recovery to send.
	PrefixOutbox = "rhai_outbox:"
	// PrefixWorkerCircles + worker id (Cluster only): set of the circles
	// whose processing lists and outbox the worker uses, so that recovery
	// finds them without scanning every node.
	PrefixWorkerCircles = "rhai_worker_circles:"
)

// Keyspace names the per-circle keys of one kind of Redis: the original
// names on a single node, hash-tagged ones on a Cluster.
type Keyspace struct {
	// Cluster: keys carry "{circle}" hash tags (see PrefixOutbox).
	Cluster bool
}

// KeysFor is the keyspace of the Redis behind c: Cluster when c is a
// rueidis Cluster client.
func KeysFor(c rueidis.Client) Keyspace {
	return Keyspace{Cluster: c != nil && c.Mode() == rueidis.ClientModeCluster}
}

func tag(circle string) string { return "{" + circle + "}" }

// Tasks is the queue of circle: rhai_tasks:<pk> (Cluster rhai_tasks:{<pk>}).
func (k Keyspace) Tasks(circle string) string {
	if k.Cluster {
		return PrefixTasks + tag(circle)
	}
	return TasksKey(circle)
}

// DetailsPrefix is what a task id of circle is appended to for its hash:
// rhai_task_details: (Cluster rhai_task_details:{<pk>}:).
func (k Keyspace) DetailsPrefix(circle string) string {
	if k.Cluster {
		return PrefixDetails + tag(circle) + ":"
	}
	return PrefixDetails
}

// Details is the hash of task id of circle.
func (k Keyspace) Details(circle, id string) string { return k.DetailsPrefix(circle) + id }

// Processing is the processing list of worker for circle:
// rhai_processing:<worker> (Cluster rhai_processing:{<pk>}:<worker>).
func (k Keyspace) Processing(circle, worker string) string {
	if k.Cluster {
		return PrefixProcessing + tag(circle) + ":" + worker
	}
	return ProcessingKey(worker)
}

// Outbox is the outbox of worker for circle (Cluster only; "" otherwise).
func (k Keyspace) Outbox(circle, worker string) string {
	if k.Cluster {
		return PrefixOutbox + tag(circle) + ":" + worker
	}
	return ""
}

// WorkerCirclesKey is the set of circles of worker (Cluster only).
func WorkerCirclesKey(worker string) string { return PrefixWorkerCircles + worker }
