package actors

import "github.com/asynkron/protoactor-go/actor"

// mailboxThroughput is how many messages a mailbox handles before it yields
// (protoactor's default).
const mailboxThroughput = 300

// pooledDispatcher runs mailboxes (workers, circles, the guardian) on a pool of long-lived goroutines
// instead of a new goroutine per scheduling, which is protoactor's default.
// A fresh goroutine starts with a small stack and grows it on every play
// (the session and worker call chains are deep), and stack copying was a
// fifth of the CPU of a play; pool goroutines keep their grown stacks. When
// no pool goroutine is idle, Schedule falls back to a new goroutine, so a
// worker blocked in a long script never delays other actors.
type pooledDispatcher struct {
	work chan func()
	stop chan struct{}
}

var _ actor.Dispatcher = (*pooledDispatcher)(nil)

func newPooledDispatcher(goroutines int) *pooledDispatcher {
	d := &pooledDispatcher{work: make(chan func()), stop: make(chan struct{})}
	for range goroutines {
		go d.loop()
	}
	return d
}

// Schedule hands fn to an idle pool goroutine, or runs it on a new one.
func (d *pooledDispatcher) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		go fn()
	}
}

func (d *pooledDispatcher) Throughput() int { return mailboxThroughput }

func (d *pooledDispatcher) loop() {
	for {
		select {
		case fn := <-d.work:
			fn()
		case <-d.stop:
			return
		}
	}
}

// close ends the pool goroutines once they are idle; later Schedule calls
// use new goroutines.
func (d *pooledDispatcher) close() { close(d.stop) }
