// Package actors is the actor system of a circles-actor server, built on
// protoactor-go.
//
// The tree, one process:
//
//	circles                  the guardian: circle pk -> circle PID, spawns sessions, ordered shutdown
//	├─ circle-<pk>           one supervisor per circle: restarts panicking workers, stops panicking sessions
//	│   ├─ worker-<n>        runs tasks with scripting.Engine, one at a time
//	│   └─ session-<id>      one per WebSocket (the CircleWs actor): JSON-RPC, auth, in-flight table
//	└─ circle-<pk2> ...
//
// A System is built from a validated config.Config with NewSystem. The
// transport attaches each accepted WebSocket with OpenSession, handing in a
// FrameSink; the session actor does all JSON-RPC handling and writes its
// answers to that sink. Tests attach sessions to in-memory sinks the same
// way. Scripts run on the circle's worker actors (the default, in-process) or
// through a scripting.Dispatcher (Redis mode, WithDispatcher).
//
// Sessions never block: a play is sent to a worker as a request and its
// result comes back to the session as a *TaskDone message (with a
// Dispatcher, from a goroutine that sends it to the session's PID). A
// per-session watchdog answers plays whose result was lost with a worker
// that stopped. Sessions run on the goroutine that posts to them when they
// are idle (the read pump, the worker), saving handoffs; workers, circles
// and the guardian run on a pool of long-lived goroutines.
//
// The circle set is dynamic: AddCircle spawns a supervisor (named
// circle-<pk>.<n>) at runtime and RemoveCircle winds one down — new
// sessions and tasks are refused at once, queued plays are answered -32006,
// running ones finish, and the sessions close with 4004 "circle removed".
// Lookups read an immutable copy of the set, so they take no lock.
// Persisting and sharing the set is package circleset's job.
//
// Supervision: a panicking worker answers its task with an internal error
// and is restarted (at most 20 times a minute; past that it is stopped and
// its circle answers -32006); a panicking session closes its connection with
// 1011 and is stopped.
package actors
