// Package redisq distributes circle tasks through Redis so that workers can
// live in other processes and on other machines.
//
// The wire contract (key names, hash fields, reply payload) is one table in
// keys.go and is described for other implementations in
// docs/redis-protocol.md. The pieces:
//
//   - Dispatcher implements scripting.Dispatcher: it writes a task hash,
//     pushes the task id on the circle's queue and waits for the reply that
//     a worker pushes on this process's single reply list, read by one
//     blocking loop.
//   - Consumer runs workers: per circle it moves task ids atomically from
//     the queue into its own processing list, keeps a heartbeat key alive
//     while it runs, executes tasks through a scripting.Executor and answers.
//   - Recoverer (run by every Dispatcher and Consumer, serialised by a lock
//     key) requeues the tasks of workers whose heartbeat expired.
//   - QueueStats reports queue depth, active tasks and live workers.
//   - Every Dispatcher keeps a heartbeat key (serverbeat.go) that workers
//     check before running its tasks: the tasks of a server that died are
//     dropped, not run for nobody.
//   - ParseURL, Check and Fault (url.go, fault.go) turn a bad URL or a
//     permanent Redis fault into one sentence without secrets.
//
// Delivery is at least once: a task whose worker died mid-run is run again
// by another worker, and its caller still receives exactly one answer
// because the Dispatcher delivers the first reply for a task id and drops
// any later one. A script that fails is answered with its error and is not
// retried.
//
// On a Redis Cluster (KeysFor) the keys of a circle's tasks carry the
// circle as a hash tag so that every script and transaction is
// single-slot, and replies, whose lists are in other slots, go through the
// loop's outbox (outbox.go, cluster.go).
package redisq
