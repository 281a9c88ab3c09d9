//go:build race

package rhai_test

// raceEnabled: the race detector slows copying loops several times.
const raceEnabled = true
