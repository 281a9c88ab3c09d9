//go:build !race

package rhai_test

const raceEnabled = false
