package actors

import (
	"time"

	"github.com/circles-actor/circles-actor/scripting"
)

// WithExecutorForTest makes the workers run tasks with exec instead of the
// engine, so tests can make a worker block or panic on demand.
func WithExecutorForTest(exec scripting.Executor) Option {
	return func(o *options) { o.exec = exec }
}

// MethodNames lists the methods the session answers.
func MethodNames() []string {
	names := make([]string, 0, len(methodTable))
	for n := range methodTable {
		names = append(names, n)
	}
	return names
}

// SetThrottleClock makes the authentication throttle read time from now,
// so tests can play minutes of attempts in an instant.
func (s *System) SetThrottleClock(now func() time.Time) {
	s.throttle.mu.Lock()
	s.throttle.now = now
	s.throttle.mu.Unlock()
}

// Verification budget of a suspect IP, for tests that check the bound.
const (
	IPVerifyPerSecond = ipVerifyPerSecond
	IPVerifyBurst     = ipVerifyBurst
)
