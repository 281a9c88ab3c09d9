//go:build !race

package syntax_test

// raceEnabled skips timing-based tests: the race detector distorts timings.
const raceEnabled = false
