package actors

import "github.com/circles-actor/circles-actor/scripting"

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
