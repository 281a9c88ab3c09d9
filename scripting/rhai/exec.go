package rhai

import (
	"context"
	"errors"
	"fmt"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// evalFn is the compiled form of every expression and statement: the
// compiler turns the AST into a tree of these closures once, and a run calls
// them with its own frame. Control flow (break, continue, return) travels as
// the sentinel errors below, so the hot path pays only the `err != nil`
// checks it needs for real errors anyway.
type evalFn func(f *frame) (Value, error)

// Control-flow sentinels. They never escape a run: loops consume
// errBreak/errContinue, calls consume errReturn. The carried value is in
// frame.ret.
var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
	errReturn   = errors.New("return")
)

// kindCell marks a slot that holds a variable shared with closures: p is a
// *Value. It never appears in a value a script or host can see.
const kindCell Kind = 255

// frame is the activation of one function (or the top-level script): its
// variable slots, the captured cells of a closure, and `this`.
type frame struct {
	slots []Value
	cells []*Value
	this  *Value
	rt    *runState
	ret   Value
}

// opsChunk is how many operations run between two looks at the context and
// the operation limit: cheap counting on the hot path, prompt cancellation.
const opsChunk = 1024

// runState is everything one Run owns; a Program is shared and immutable.
// Run states are pooled (runpool.go): a Run takes one with acquireRunState
// and hands it back clean, so a tiny script pays for neither the value stack
// nor the frame and Call structs again.
type runState struct {
	eng     *Engine
	prog    *Program
	ctx     context.Context
	lim     Limits
	budget  int64  // operations left before the next slow check
	granted int64  // size of the current budget chunk
	used    uint64 // operations charged by completed chunks
	made    int64  // bytes of values created, for Limits.MaxRunBytes (budget.go)
	depth   int
	print   func(string)
	debug   func(string)
	globals map[string]Value // top-level constants, for global::NAME
	// hostConsts is RunOptions.Constants as the host passed it, read only;
	// constCache (constMap once it is long) holds this run's private copies
	// of the ones the script has read (see constant).
	hostConsts  map[string]Value
	hostStrings []NamedString // RunOptions.Strings, read only
	hostValues  []NamedValue  // RunOptions.Values, read only
	constCache  []namedValue
	constMap    map[string]Value
	dynVars     map[string]Value // variables declared by eval'd code, read by name
	// evalDepth counts nested eval() calls, which add no script call depth.
	evalDepth int
	stack     []Value
	sp        int
	frames    []*frame
	// calls are the Call values handed to natives, one per nesting level.
	calls       []*Call
	nativeDepth int
	// Modules (modules.go): main is the program Run was given (prog is the
	// one whose code runs: a module's, inside it); imports is the stack of
	// imports in force; modules caches this run's evaluated modules;
	// loading names those being evaluated; exports collects the exports
	// of the module whose top level runs.
	main     *Program
	resolver ModuleResolver
	imports  []importEntry
	modules  map[*Module]*modInst
	loading  []string
	exports  *[]exportRef
	// thisCell is the shared variable a method call is about to bind to
	// `this`, while the call is dispatched: Rhai refuses (a data race) to
	// call a closure that captured that same variable.
	thisCell *Value
}

// namedValue is one entry of runState.constCache.
type namedValue struct {
	name string
	v    Value
}

// constCacheScan is how many private constant copies are looked up by a
// linear scan before the cache moves to a map.
const constCacheScan = 8

// constant returns the host constant name, copied privately on the first
// read of this run: most scripts read few or none of the constants they are
// given, so copying all of them up front is wasted work.
func (r *runState) constant(name string) (Value, bool) {
	if r.constMap != nil {
		if v, ok := r.constMap[name]; ok {
			return v, true
		}
	} else {
		for i := range r.constCache {
			if r.constCache[i].name == name {
				return r.constCache[i].v, true
			}
		}
	}
	v, ok := r.hostConsts[name]
	if ok {
		v = privateCopy(v)
	} else if i := r.hostString(name); i >= 0 {
		v = constString(r.hostStrings[i].Value)
	} else if i := r.hostValue(name); i >= 0 {
		v = r.hostValues[i].Value
	} else {
		return Unit, false
	}
	switch {
	case r.constMap != nil:
		r.constMap[name] = v
	case len(r.constCache) < constCacheScan:
		r.constCache = append(r.constCache, namedValue{name, v})
	default:
		r.constMap = make(map[string]Value, 2*constCacheScan)
		for _, c := range r.constCache {
			r.constMap[c.name] = c.v
		}
		r.constMap[name] = v
	}
	return v, true
}

// hasConstant reports whether the host passed a constant called name.
func (r *runState) hasConstant(name string) bool {
	_, ok := r.hostConsts[name]
	return ok || r.hostString(name) >= 0 || r.hostValue(name) >= 0
}

// hostValue returns the index of name in RunOptions.Values, or -1.
func (r *runState) hostValue(name string) int {
	for i := range r.hostValues {
		if r.hostValues[i].Name == name {
			return i
		}
	}
	return -1
}

// hostString returns the index of name in RunOptions.Strings, or -1.
func (r *runState) hostString(name string) int {
	for i := range r.hostStrings {
		if r.hostStrings[i].Name == name {
			return i
		}
	}
	return -1
}

// privateCopy detaches a host value from anything another run could share:
// strings get a buffer that can never be appended in place, containers are
// cloned.
func privateCopy(v Value) Value {
	if v.k == KindString {
		return constStringBytes(v.StrBytes())
	}
	return v.Clone()
}

// constString makes a string value whose buffer is never appended in place
// (n < len(b)), so compiled literals can be shared by concurrent runs.
func constString(s string) Value {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return Value{k: KindString, n: uint64(len(s)), p: &StrBuf{b: b}}
}

// constStringBytes is constString for bytes, saving the string conversion.
func constStringBytes(s []byte) Value {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return Value{k: KindString, n: uint64(len(s)), p: &StrBuf{b: b}}
}

func (r *runState) refill() {
	chunk := int64(opsChunk)
	if max := r.lim.MaxOperations; max > 0 {
		left := int64(max - r.used)
		if max <= r.used {
			left = 0
		}
		if left < chunk {
			chunk = left
		}
	}
	r.budget, r.granted = chunk, chunk
}

// tick charges one operation.
func (r *runState) tick() error {
	r.budget--
	if r.budget > 0 {
		return nil
	}
	return r.slowTick()
}

func (r *runState) slowTick() error {
	r.used += uint64(r.granted - r.budget)
	if err := r.memoryLeft(); err != nil {
		r.budget = 0
		return err
	}
	if r.lim.MaxOperations > 0 && r.used >= r.lim.MaxOperations {
		r.budget = 1 << 62 // stay failed without counting further
		return &Error{Kind: ErrTooManyOps, Message: "Too many operations"}
	}
	// Err, unlike Done, allocates nothing: a cancelCtx makes its Done
	// channel lazily, on the first call.
	if err := r.ctx.Err(); err != nil {
		return &Error{Kind: ErrCancelled, Message: "Script terminated: " + err.Error(), Cause: err}
	}
	r.refill()
	return nil
}

// Tick implements Runtime.
func (r *runState) Tick(n int) error {
	r.budget -= int64(n)
	if r.budget > 0 {
		return nil
	}
	if r.lim.MaxOperations > 0 && r.budget < -(1<<61) {
		return &Error{Kind: ErrTooManyOps, Message: "Too many operations"}
	}
	return r.slowTick()
}

// Limits implements Runtime.
func (r *runState) Limits() *Limits { return &r.lim }

// Print implements Runtime.
func (r *runState) Print(s string) {
	if r.print != nil {
		r.print(s)
	}
}

// Debug implements Runtime.
func (r *runState) Debug(s string) {
	if r.debug != nil {
		r.debug(s)
	}
}

// allocSlots reserves n zeroed slots on the run's value stack. The stack
// grows by starting a fresh array; frames keep the slices they were given.
func (r *runState) allocSlots(n int) []Value {
	if r.sp+n > len(r.stack) {
		size := 2 * len(r.stack)
		for size < r.sp+n {
			size *= 2
		}
		r.stack = make([]Value, size)
	}
	s := r.stack[r.sp : r.sp+n : r.sp+n]
	r.sp += n
	return s
}

// freeSlots releases the n slots s obtained from allocSlots, clearing them
// so the stack holds no garbage.
func (r *runState) freeSlots(s []Value) {
	// A plain loop, not clear: calls free one or two slots, and clear's
	// memclrHasPointers call costs more than the stores.
	for i := 0; i < len(s); i++ {
		s[i] = Value{}
	}
	r.sp -= len(s)
}

// getFrame returns a frame for call depth d, reusing frames across calls.
func (r *runState) getFrame() *frame {
	d := r.depth
	for len(r.frames) <= d {
		r.frames = append(r.frames, &frame{rt: r})
	}
	return r.frames[d]
}

// errAt builds a positioned error.
func errAt(kind ErrorKind, pos syntax.Pos, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Line: int(pos.Line), Column: int(pos.Col)}
}

// withPos gives err the position pos when it has none, converting foreign
// errors into *Error of kind ErrRuntime.
func withPos(err error, pos syntax.Pos) error {
	if err == nil || err == errBreak || err == errContinue || err == errReturn {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Line == 0 {
			c := *e
			c.Line, c.Column = int(pos.Line), int(pos.Col)
			return &c
		}
		return err
	}
	return &Error{Kind: ErrRuntime, Message: err.Error(), Line: int(pos.Line), Column: int(pos.Col), Cause: err}
}

// readVar returns the value in a slot, looking through a closure cell.
func readSlot(v Value) Value {
	if v.k == kindCell {
		return *v.p.(*Value)
	}
	return v
}

// isContainer reports kinds that have value semantics through Clone.
func isContainer(k Kind) bool { return k == KindArray || k == KindMap || k == KindBlob }

// checkSize enforces the string/array/map/blob limits on a value that may
// have grown.
func (r *runState) checkSize(v Value, pos syntax.Pos) error {
	switch v.k {
	case KindString:
		if r.lim.MaxStringLen > 0 && int(v.n) > r.lim.MaxStringLen {
			return errAt(ErrDataTooLarge, pos, "Length of string too large")
		}
	case KindArray:
		if r.lim.MaxArrayLen > 0 && len(v.AsArray().Elems) > r.lim.MaxArrayLen {
			return errAt(ErrDataTooLarge, pos, "Size of array too large")
		}
	case KindMap:
		if r.lim.MaxMapLen > 0 && v.AsMap().Len() > r.lim.MaxMapLen {
			return errAt(ErrDataTooLarge, pos, "Size of object map too large")
		}
	case KindBlob:
		if r.lim.MaxBlobLen > 0 && len(v.AsBlob().B) > r.lim.MaxBlobLen {
			return errAt(ErrDataTooLarge, pos, "Size of BLOB too large")
		}
	}
	return nil
}
