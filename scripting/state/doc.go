// Package state is a circle's key-value state: what its scripts read and
// write through the `state` object, one transaction per run.
//
// The pieces, each behind its own seam:
//
//   - Store opens a transaction on one circle (Begin). Local is the store of
//     one process, over a Backend (Memory here; a file store elsewhere); a
//     Redis store lives with the Redis queue code.
//   - Tx is what a run holds: it buffers the run's writes over the store's
//     committed view, enforces Limits, and commits them in one step or drops
//     them all.
//   - Encode and Decode turn script values into bytes and back, exactly
//     (an i64 stays an i64, an f64 keeps its bits, a char stays a char).
//   - Register adds the `state` host type to an interpreter; Object wraps a
//     Tx as the script value.
//
// The package depends on the interpreter only (scripting/rhai), never on
// actors or transport. docs/state.md is the contract.
package state
