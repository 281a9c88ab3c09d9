package actors

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/scripting"
)

// Queue depth (circles_queue_depth) counts the tasks sent to a circle's
// workers that no worker has started yet. It is kept exact: the sender
// counts a RunTask in when it sends it, and whichever comes first counts it
// out once: the worker taking it from its mailbox (to run it or to refuse it
// as too late), or its sender answering or abandoning it without a result
// (watchdog, retired worker, closed session, cancelled Dispatch), since a
// stopped worker's mailbox is dropped without being read.

// enqueue counts m in depth until dequeue; the caller then sends m.
func (m *RunTask) enqueue(depth prometheus.Gauge) {
	m.depth = depth
	depth.Inc()
}

// dequeue counts m out of its queue depth; only the first call counts, and
// a RunTask that was never enqueued (or is nil) is ignored.
func (m *RunTask) dequeue() {
	if m != nil && m.depth != nil && m.left.CompareAndSwap(false, true) {
		m.depth.Dec()
	}
}

// withdraw counts m out on behalf of its sender before any worker took it;
// false means a worker has it (or it was never counted in). A withdrawn
// RunTask is not run: the worker that dequeues it later skips it (take).
func (m *RunTask) withdraw() bool {
	if m != nil && m.depth != nil && m.left.CompareAndSwap(false, true) {
		m.depth.Dec()
		return true
	}
	return false
}

// take is the worker's dequeue: false when the sender withdrew or
// abandoned m first, so nobody waits for its run.
func (m *RunTask) take() bool {
	if m.depth == nil {
		return true
	}
	if m.left.CompareAndSwap(false, true) {
		m.depth.Dec()
		return true
	}
	return false
}

// notStartedError is a task's answer when its worker took it from the
// queue after its StartBy: the worker was busy with earlier tasks for
// longer than the caller was willing to wait. It is a kind of
// scripting.ErrUnavailable (-32006), with a message that says what
// happened instead of suggesting the worker is gone.
type notStartedError struct {
	wait time.Duration // how long the task could wait; 0 if unknown
}

func (e *notStartedError) Error() string {
	if e.wait <= 0 {
		return "the circle's worker did not start the task before its deadline"
	}
	return "the circle's worker did not start the task within " + e.wait.String()
}

func (e *notStartedError) Unwrap() error { return scripting.ErrUnavailable }

// queueWait is how long m could wait for a worker: its task's timeout (what
// both senders allow), else StartBy measured from the task's creation.
func (m *RunTask) queueWait() time.Duration {
	if m.Task.Timeout > 0 {
		return m.Task.Timeout
	}
	if !m.Task.CreatedAt.IsZero() {
		return m.StartBy.Sub(m.Task.CreatedAt)
	}
	return 0
}
