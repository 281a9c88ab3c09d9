package actors

import "testing"

// TestWaitBacklogHoldsReaderUntilFramesAreHandled: a reader waits while
// the session's backlog is at its pause and goes on once the session has
// handled enough frames; stop releases it too.
func TestWaitBacklogHoldsReaderUntilFramesAreHandled(t *testing.T) {
	h := &Session{}
	if !h.WaitBacklog(nil) {
		t.Fatal("an empty backlog held the reader")
	}
	h.queued.Store(backlogPause)
	done := make(chan bool, 1)
	go func() { done <- h.WaitBacklog(nil) }()
	h.frameHandled() // the session works through one frame: under the pause
	if !<-done {
		t.Fatal("WaitBacklog reported a stop")
	}
	h.queued.Store(backlogPause + 5)
	stop := make(chan struct{})
	go func() { done <- h.WaitBacklog(stop) }()
	close(stop)
	if <-done {
		t.Fatal("WaitBacklog ignored its stop")
	}
}
