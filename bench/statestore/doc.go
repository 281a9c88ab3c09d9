// Package statestore compares on-disk state backends on the state's
// workloads: the server's pebble store (scripting/state/pebblestore) and
// the bbolt store it replaced (./boltstore, kept here only for the
// comparison; see docs/state.md, "Why pebble and not bbolt").
package statestore
